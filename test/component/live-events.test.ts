// "Ask for more time" and live events (SPEC §3) over HTTP on a real 2-process cluster: every
// stream the tests read from is open on each process, and each write is checked on the stream of
// the process that did not make it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openSse, type SseEvent, type SseStream } from '../../load-tests/lib/sse.ts';
import { TokenService } from '../../src/domain/accounts/tokens.ts';
import { runRetention } from '../../src/ops/retention.ts';
import { dropDatabase, ownDatabase, request, startCluster, type Answer, type RunningCluster } from '../cluster-harness.ts';
import { TestClock, testConfig, uniqueEmail } from '../harness.ts';

const SECRET = 'live-events-test-secret-0123456789abcdef';
const PIN = '2468';
const titleId = randomUUID();

let cluster: RunningCluster;
let db: pg.Client;
let clock: TestClock;
const opened: SseStream[] = [];

const api = (method: string, p: string, opts: { token?: string; body?: unknown } = {}) => request(cluster.url, method, `/api/v1${p}`, opts);

async function sse(p: string, opts: { token?: string; lastEventId?: string } = {}): Promise<SseStream> {
  const s = await openSse(cluster.url, `/api/v1${p}`, opts);
  opened.push(s);
  return s;
}

/** One stream of `p` on each of the two processes (opened until the round robin placed one on each). */
async function onBoth(p: string, token: string): Promise<Map<number, SseStream>> {
  const byProcess = new Map<number, SseStream>();
  for (let i = 0; i < 8 && byProcess.size < 2; i++) {
    const s = await sse(p, { token });
    expect(s.status).toBe(200);
    if (byProcess.has(s.servedBy)) s.close();
    else byProcess.set(s.servedBy, s);
  }
  expect(byProcess.size).toBe(2);
  return byProcess;
}

/** The stream of the process that did not answer `a`. */
function other(streams: Map<number, SseStream>, a: Answer): SseStream {
  const s = [...streams.entries()].find(([pid]) => pid !== a.servedBy);
  expect(s).toBeDefined();
  return s![1];
}

interface Household { token: string; kid: string; kidToken: string; email: string; userId: string }

async function household(kids = 1): Promise<Household & { kids: string[] }> {
  const email = uniqueEmail('live');
  const token = (await api('POST', '/auth/register', { body: { email, password: 'live events household', timezone: 'Europe/Berlin' } })).body.access_token as string;
  const ids: string[] = [];
  for (let i = 0; i < kids; i++) ids.push((await api('POST', '/auth/profiles', { token, body: { name: `Kid ${i}`, is_kids: true } })).body.id);
  expect((await api('POST', '/parental-controls/pin', { token, body: { new_pin: PIN } })).status).toBe(200);
  const kidToken = (await api('POST', `/auth/profiles/${ids[0]}/select`, { token })).body.access_token as string;
  expect((await api('POST', '/parental-controls/pin/lock', { token })).status).toBe(200); // setting the PIN verified this login: not any more
  const userId = (await api('GET', '/auth/me', { token })).body.id as string;
  return { token, kid: ids[0], kids: ids, kidToken, email, userId };
}

const pinToken = async (token: string) => (await api('POST', '/parental-controls/pin/verify', { token, body: { pin: PIN } })).body.pin_token as string;
const isRequest = (action: string, id?: string) => (e: SseEvent) => e.event === 'time_request' && e.data.action === action && (!id || e.data.request.id === id);
const ms = (from: number) => performance.now() - from;

beforeAll(async () => {
  const url = await ownDatabase('vtime_live');
  clock = new TestClock('2026-11-25T09:00:00Z', path.join(mkdtempSync(path.join(os.tmpdir(), 'vtime-clock-')), 'now')); // a Wednesday, 10:00 in Berlin
  cluster = await startCluster(url, { TEST_CLOCK_FILE: clock.file!, JWT_SECRET: SECRET, REQUEST_EXPIRY_INTERVAL_MS: '300', SHUTDOWN_GRACE_MS: '0' });
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Live Cartoons', 20, 'G', now())`, [titleId]);
}, 60_000);

afterAll(async () => {
  for (const s of opened) s.close();
  await cluster?.stop('SIGTERM');
  await db?.end();
  if (cluster) await dropDatabase(cluster.dbUrl);
});

describe('ask for more time, answered live', () => {
  it('the child asks, the parent stream hears it, the parent approves with the PIN-verified login, the device hears the grant, the next heartbeat plays', async () => {
    const h = await household();
    const put = await api('PUT', `/parental-controls/profiles/${h.kid}/viewing-time`, { token: h.token, body: { weekday_limit_minutes: 15, pin_token: await pinToken(h.token) } });
    expect(put.status).toBe(200);
    const parents = await onBoth('/parental-controls/events', h.token);
    const devices = await onBoth(`/viewing-time/events/${h.kid}`, h.kidToken);

    // watch until the budget is spent: the heartbeat that spends it writes limit_reached
    let session: string | undefined;
    let hb: Answer | undefined;
    for (let i = 0; i < 20; i++) {
      hb = await api('POST', '/viewing-time/heartbeat', { token: h.kidToken, body: { profile_id: h.kid, session_id: session, title_id: titleId, device_id: 'tablet' } });
      session = hb.body.session_id;
      if (hb.body.enforcement === 'blocked') break;
      clock.advance(60);
    }
    expect([hb!.body.enforcement, hb!.body.reason]).toEqual(['blocked', 'daily_limit_reached']);
    const limit = await other(devices, hb!).next((e) => e.event === 'limit_reached', 2000);
    expect(limit.data).toMatchObject({ type: 'limit_reached', profile_id: h.kid, limit_minutes: 15 });

    const ask = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 30, message: 'one more episode please' } });
    expect(ask.status).toBe(201);
    expect(ask.body).toMatchObject({ profile_id: h.kid, minutes: 30, message: 'one more episode please', status: 'pending' });
    const asked = performance.now();
    const heard = await other(parents, ask).next(isRequest('created', ask.body.id), 2000);
    expect(ms(asked)).toBeLessThan(2000);
    expect(heard.data).toMatchObject({ type: 'time_request', profile_id: h.kid, action: 'created', request: { id: ask.body.id, minutes: 30, status: 'pending' } });

    // PIN-verified login session: no pin or pin_token in the answer
    const locked = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: {} });
    expect([locked.status, locked.body.code]).toEqual([403, 'invalid_pin_token']);
    expect((await api('POST', '/parental-controls/pin/verify', { token: h.token, body: { pin: PIN } })).status).toBe(200);
    const pending = await api('GET', '/parental-controls/requests?status=pending', { token: h.token });
    expect(pending.body.items.map((r: { id: string }) => r.id)).toEqual([ask.body.id]);
    const approve = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: {} });
    expect(approve.status).toBe(200);
    expect(approve.body.request).toMatchObject({ id: ask.body.id, status: 'approved', minutes_granted: 30, unlimited: false });
    expect(approve.body.grant).toMatchObject({ granted_minutes: 30, remaining_minutes: 30 });
    const approved = performance.now();
    const device = other(devices, approve);
    const grant = await device.next((e) => e.event === 'grant', 2000);
    expect(ms(approved)).toBeLessThan(2000);
    expect(grant.data).toMatchObject({ type: 'grant', profile_id: h.kid, remaining_seconds: 1800, grant: { minutes: 30, request_id: ask.body.id } });
    expect((await device.next(isRequest('approved', ask.body.id), 2000)).data.request.status).toBe('approved');

    const { rows } = await db.query('select g.request_id, r.status from time_grants g join time_requests r on r.id = g.request_id where g.profile_id = $1', [h.kid]);
    expect(rows).toEqual([{ request_id: ask.body.id, status: 'approved' }]);

    clock.advance(30);
    const next = await api('POST', '/viewing-time/heartbeat', { token: h.kidToken, body: { profile_id: h.kid, session_id: session, title_id: titleId, device_id: 'tablet' } });
    expect(next.status).toBe(200);
    expect(next.body.enforcement).toBe('allowed');
    expect(next.body.remaining_seconds).toBe(1800 - 30);

    // approving twice: 409, and nothing more is granted
    const again = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: { pin: PIN } });
    expect([again.status, again.body.code]).toEqual([409, 'request_answered']);
    expect((await db.query('select count(*)::int as n from time_grants where profile_id = $1', [h.kid])).rows[0].n).toBe(1);

    // the weekly report lists the request, and the grant it links to
    const day = new Date(`${ask.body.date}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
    const report = await api('GET', `/parental-controls/weekly-report?week_start=${day.toISOString().slice(0, 10)}`, { token: h.token });
    expect(report.status).toBe(200);
    const week = report.body.profiles.find((p: { profile_id: string }) => p.profile_id === h.kid);
    expect(week.time_requests).toEqual([{
      id: ask.body.id, date: ask.body.date, minutes: 30, message: 'one more episode please', status: 'approved', minutes_granted: 30,
      unlimited: false, created_at: ask.body.created_at, answered_at: approve.body.request.answered_at,
    }]);
    expect(week.grants).toEqual([expect.objectContaining({ date: ask.body.date, minutes: 30, request_id: ask.body.id })]);
    for (const s of [...parents.values(), ...devices.values()]) s.close();
  }, 60_000);

  it('a denial reaches the device; asking again within 10 minutes is 429 with Retry-After, after them it is accepted', async () => {
    const h = await household();
    const devices = await onBoth(`/viewing-time/events/${h.kid}`, h.kidToken);
    const ask = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } });
    expect(ask.status).toBe(201);
    const twice = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 60 } });
    expect([twice.status, twice.body.code]).toEqual([409, 'request_pending']);
    const deny = await api('POST', `/parental-controls/requests/${ask.body.id}/deny`, { token: h.token, body: { pin_token: await pinToken(h.token) } });
    expect([deny.status, deny.body.request.status]).toEqual([200, 'denied']);
    const denied = await other(devices, deny).next(isRequest('denied', ask.body.id), 2000);
    expect(denied.data.request).toMatchObject({ status: 'denied', minutes_granted: null });

    clock.advance(9 * 60);
    const soon = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } });
    expect([soon.status, soon.body.code, soon.headers['retry-after']]).toEqual([429, 'request_cooldown', '60']);
    const late = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: { pin: PIN } });
    expect([late.status, late.body.code]).toEqual([409, 'request_answered']);
    clock.advance(61);
    expect((await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } })).status).toBe(201);
    expect((await db.query('select count(*)::int as n from time_grants where profile_id = $1', [h.kid])).rows[0].n).toBe(0);
    for (const s of devices.values()) s.close();
  }, 30_000);

  it('the 11th request of a viewing day is 429 until the next day', async () => {
    const h = await household();
    const proof = await pinToken(h.token);
    for (let i = 0; i < 10; i++) {
      const ask = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } });
      expect(ask.status).toBe(201);
      expect((await api('POST', `/parental-controls/requests/${ask.body.id}/deny`, { token: h.token, body: { pin_token: proof } })).status).toBe(200);
      clock.advance(601);
    }
    const eleventh = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } });
    expect([eleventh.status, eleventh.body.code]).toEqual([429, 'requests_per_day']);
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(60);
    const own = await api('GET', `/viewing-time/requests/${h.kid}`, { token: h.kidToken });
    expect(own.body.items).toHaveLength(10);
    expect(own.body.items.every((r: { status: string }) => r.status === 'denied')).toBe(true);
  }, 60_000);

  it('bad input gets a clear error and writes nothing', async () => {
    const h = await household();
    const cases: [unknown, number, string][] = [
      [{ profile_id: h.kid, minutes: 20 }, 422, 'minutes'],
      [{ profile_id: h.kid, minutes: 15, message: 'x'.repeat(141) }, 422, 'message'],
      [{ profile_id: 'nope', minutes: 15 }, 422, 'profile_id'],
      [{ profile_id: h.kid, minutes: 15, extra: 1 }, 422, 'extra'],
    ];
    for (const [body, status, field] of cases) {
      const r = await api('POST', '/viewing-time/requests', { token: h.kidToken, body });
      expect([r.status, r.body.detail]).toEqual([status, expect.stringContaining(field)]);
    }
    const unknown = await api('POST', `/parental-controls/requests/${randomUUID()}/approve`, { token: h.token, body: { pin: PIN } });
    expect(unknown.status).toBe(404);
    const ask = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } });
    const noProof = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: {} });
    expect([noProof.status, noProof.body.code]).toEqual([403, 'invalid_pin_token']);
    const tooMuch = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: { minutes: 135, pin: PIN } });
    expect([tooMuch.status, tooMuch.body.field ?? tooMuch.body.detail]).toEqual([422, expect.stringContaining('minutes')]);
    const { rows } = await db.query('select status from time_requests where profile_id = $1', [h.kid]);
    expect(rows).toEqual([{ status: 'pending' }]);
    // unlimited today
    const unlimited = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: { minutes: null, pin: PIN } });
    expect([unlimited.status, unlimited.body.request.unlimited, unlimited.body.grant.is_unlimited_override]).toEqual([200, true, true]);
  }, 30_000);
});

describe('live streams', () => {
  it('tickets: bound to the caller and one path, 401 once expired, 403 on another path, never in the logs', async () => {
    const h = await household();
    const t = await api('POST', '/events/ticket', { token: h.kidToken, body: { path: `/api/v1/viewing-time/events/${h.kid}` } });
    expect([t.status, t.body.expires_in, t.body.path]).toEqual([201, 60, `/api/v1/viewing-time/events/${h.kid}`]);
    const s = await sse(`/viewing-time/events/${h.kid}?ticket=${encodeURIComponent(t.body.ticket)}`);
    expect([s.status, s.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    s.close();
    const parentsWithIt = await sse(`/parental-controls/events?ticket=${encodeURIComponent(t.body.ticket)}`);
    expect([parentsWithIt.status, parentsWithIt.body.code]).toEqual([403, 'ticket_path']);
    const asKid = await api('POST', '/events/ticket', { token: h.kidToken, body: { path: '/api/v1/parental-controls/events' } });
    expect(asKid.status).toBe(403);
    const bad = await api('POST', '/events/ticket', { token: h.token, body: { path: '/api/v1/auth/me' } });
    expect([bad.status, bad.body.field]).toEqual([422, 'path']);
    // a ticket signed like the service's, expired a second ago
    const c = testConfig();
    const tokens = new TokenService({ secret: SECRET, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, accessTtlSeconds: 60, deviceTtlSeconds: 60 });
    const me = (await api('GET', '/auth/me', { token: h.token })).body.id as string;
    const expired = await tokens.sign(me, ':ticket', -1, { scope: 'ticket', as: 'household', path: '/api/v1/parental-controls/events' });
    const late = await sse(`/parental-controls/events?ticket=${encodeURIComponent(expired)}`);
    expect(late.status).toBe(401);
    // a ticket is not an access token
    expect((await api('GET', '/auth/me', { token: t.body.ticket })).status).toBe(401);
    expect(cluster.output.join('')).not.toContain(t.body.ticket);
  }, 30_000);

  it('the 11th stream of a household is 429 with Retry-After; closing one frees its place', async () => {
    const h = await household();
    const streams: SseStream[] = [];
    for (let i = 0; i < 10; i++) streams.push(await sse('/parental-controls/events', { token: h.token }));
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    expect(new Set(streams.map((s) => s.servedBy)).size).toBe(2); // the limit holds across processes
    const eleventh = await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken });
    expect([eleventh.status, eleventh.body.code, eleventh.headers['retry-after']]).toEqual([429, 'too_many_streams', '30']);
    streams[0].close();
    let again: SseStream | undefined;
    for (let i = 0; i < 20 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await sse('/parental-controls/events', { token: h.token });
    }
    expect(again!.status).toBe(200);
    for (const s of [...streams, again!]) s.close();
  }, 30_000);

  it('authorization: another household is never reachable; a kids token cannot approve, read the parents\' stream or another profile\'s', async () => {
    const a = await household(2);
    const b = await household();
    const ask = await api('POST', '/viewing-time/requests', { token: a.kidToken, body: { profile_id: a.kid, minutes: 15 } });
    expect(ask.status).toBe(201);
    const bStream = await sse('/parental-controls/events', { token: b.token });
    expect((await sse(`/viewing-time/events/${a.kid}`, { token: b.token })).status).toBe(404);
    expect((await sse(`/viewing-time/events/${a.kid}`, { token: b.kidToken })).status).toBe(403);
    expect((await api('POST', '/events/ticket', { token: b.token, body: { path: `/api/v1/viewing-time/events/${a.kid}` } })).status).toBe(404);
    const bTicket = (await api('POST', '/events/ticket', { token: b.token, body: { path: `/api/v1/viewing-time/events/${b.kid}` } })).body.ticket;
    expect((await sse(`/viewing-time/events/${a.kid}?ticket=${encodeURIComponent(bTicket)}`)).status).toBe(403);
    expect((await api('GET', `/viewing-time/requests/${a.kid}`, { token: b.token })).status).toBe(404);
    expect((await api('POST', '/viewing-time/requests', { token: b.token, body: { profile_id: a.kid, minutes: 15 } })).status).toBe(404);
    expect((await api('GET', '/parental-controls/requests', { token: b.token })).body.items).toEqual([]);
    expect((await api('GET', `/parental-controls/requests?profile_id=${a.kid}`, { token: b.token })).status).toBe(404);
    expect((await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: b.token, body: { pin: PIN } })).status).toBe(404);
    expect((await api('POST', `/parental-controls/requests/${ask.body.id}/deny`, { token: b.token, body: { pin: PIN } })).status).toBe(404);
    // a kids token
    expect((await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: a.kidToken, body: { pin: PIN } })).status).toBe(403);
    expect((await api('GET', '/parental-controls/requests', { token: a.kidToken })).status).toBe(403);
    expect((await sse('/parental-controls/events', { token: a.kidToken })).status).toBe(403);
    expect((await sse(`/viewing-time/events/${a.kids[1]}`, { token: a.kidToken })).status).toBe(403);
    expect((await api('POST', '/viewing-time/requests', { token: a.kidToken, body: { profile_id: a.kids[1], minutes: 15 } })).status).toBe(403);
    // A's answer reaches A's streams, never B's
    const aStream = await sse('/parental-controls/events', { token: a.token });
    expect((await api('POST', `/parental-controls/requests/${ask.body.id}/deny`, { token: a.token, body: { pin: PIN } })).status).toBe(200);
    await aStream.next(isRequest('denied', ask.body.id), 2000);
    // B's own later event is a marker: had A's answer reached B's stream, it would have come first
    const marker = await api('POST', '/viewing-time/requests', { token: b.kidToken, body: { profile_id: b.kid, minutes: 15 } });
    expect(marker.status).toBe(201);
    await bStream.next(isRequest('created', marker.body.id), 2000);
    expect(bStream.events.filter((e) => e.event !== 'resync').map((e) => e.data.request?.id)).toEqual([marker.body.id]);
    bStream.close();
    aStream.close();
  }, 30_000);

  it('settings changes are live events; a stream that reconnects with Last-Event-ID gets exactly what it missed, in order', async () => {
    const h = await household();
    const proof = await pinToken(h.token);
    const first = await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken });
    const put = await api('PUT', `/parental-controls/profiles/${h.kid}/viewing-time`, { token: h.token, body: { weekday_limit_minutes: 90, pin_token: proof } });
    const changed = await first.next((e) => e.event === 'settings_changed', 2000);
    expect(changed.data).toMatchObject({ type: 'settings_changed', profile_id: h.kid, settings: { weekday_limit_minutes: 90, version: put.body.version } });
    first.close();
    const last = changed.id!;
    // missed while away: a grant, a request, another settings change, on whichever process
    expect((await api('POST', `/parental-controls/profiles/${h.kid}/viewing-time/grant`, { token: h.token, body: { minutes: 15, pin_token: proof } })).status).toBe(200);
    expect((await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 30 } })).status).toBe(201);
    expect((await api('PUT', `/parental-controls/profiles/${h.kid}/viewing-time/overrides/2026-11-28`, { token: h.token, body: { windows: [], pin_token: proof } })).status).toBe(200);
    const { rows } = await db.query(`select id::text, type from events where profile_id = $1 and id > $2 order by events.id`, [h.kid, last]);
    expect(rows.map((r) => r.type)).toEqual(['grant', 'time_request', 'settings_changed']);
    const markers: string[][] = [];
    for (const via of ['header', 'query'] as const) {
      const back = via === 'header'
        ? await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken, lastEventId: last })
        : await sse(`/viewing-time/events/${h.kid}?last_event_id=${last}`, { token: h.kidToken });
      await back.next((e) => e.id === rows[2].id, 2000);
      // a later marker on the same profile: when it arrives, nothing else may have come before it
      const marker = (await db.query(`select vt_emit(p_household => array[$1]::uuid[], p_profile => array[$2]::uuid[], p_type => array['grant'], p_payload => array[$3]::jsonb[])::text as id`,
        [h.userId, h.kid, JSON.stringify({ marker: via })])).rows[0].id as string;
      await back.next((e) => e.id === marker, 2000);
      markers.push([marker, 'grant']); // the next reconnect, from the same id, gets this one too
      expect(back.events.map((e) => [e.id, e.event])).toEqual([...rows.map((r) => [r.id, r.type]), ...markers]);
      back.close();
    }
    const unknown = await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken, lastEventId: '999999999' });
    expect((await unknown.next((e) => e.event === 'resync', 2000)).data.reason).toMatch(/unknown/);
    unknown.close();
  }, 30_000);

  it('two transactions that commit in the reverse order of their event ids both reach an open stream', async () => {
    const h = await household();
    const me = (await api('GET', '/auth/me', { token: h.token })).body.id as string;
    const stream = await sse('/parental-controls/events', { token: h.token });
    const t1 = new pg.Client({ connectionString: cluster.dbUrl });
    const t2 = new pg.Client({ connectionString: cluster.dbUrl });
    await t1.connect();
    await t2.connect();
    const emit = (c: pg.Client, n: string) => c.query(`select vt_emit(p_household => array[$1]::uuid[], p_profile => array[$2]::uuid[], p_type => array['grant'], p_payload => array[$3]::jsonb[]) as id`,
      [me, h.kid, JSON.stringify({ note: n })]);
    try {
      await t1.query('begin');
      const id1 = (await emit(t1, 'first')).rows[0].id as string;
      await t2.query('begin');
      // the second transaction asks for its id and commits at once; the first commits 500 ms later
      const second = emit(t2, 'second').then(async (r) => { await t2.query('commit'); return r.rows[0].id as string; });
      await new Promise((r) => setTimeout(r, 500));
      await t1.query('commit');
      const id2 = await second;
      const got = await Promise.all([stream.next((e) => e.id === id1, 2000, 0), stream.next((e) => e.id === id2, 2000, 0)]);
      expect(got.map((e) => e.data.note)).toEqual(['first', 'second']);
      expect(BigInt(id2)).toBeGreaterThan(BigInt(id1)); // ids follow commit order
    } finally {
      await t1.end();
      await t2.end();
      stream.close();
    }
  }, 30_000);

  it('a draining process ends its streams with a final event; reconnecting to the other process loses nothing', async () => {
    const h = await household();
    const proof = await pinToken(h.token);
    const streams = await onBoth(`/viewing-time/events/${h.kid}`, h.kidToken);
    const [victimPid, victim] = [...streams.entries()][0];
    const survivor = [...streams.entries()][1][1];
    const firstId = (await db.query(`select coalesce(max(id), 0)::text as id from events`)).rows[0].id as string;
    // writes keep coming while the process drains
    let writing = true;
    const writes = (async () => {
      let n = 0;
      while (writing && n < 200) {
        await new Promise((r) => setTimeout(r, 40));
        const r = await api('POST', `/parental-controls/profiles/${h.kid}/viewing-time/grant`, { token: h.token, body: { minutes: 15, pin_token: proof } }).catch(() => null);
        if (r?.status === 200) n++;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    process.kill(victimPid, 'SIGTERM');
    const bye = await victim.next((e) => e.event === 'shutdown', 5000);
    await victim.ended;
    const resumed = await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken, lastEventId: bye.data.last_event_id });
    expect(resumed.status).toBe(200);
    expect(resumed.servedBy).not.toBe(victimPid);
    await new Promise((r) => setTimeout(r, 500)); // more writes after the reconnect
    writing = false;
    await writes;
    const { rows } = await db.query(`select id::text from events where profile_id = $1 and id > $2 order by events.id`, [h.kid, firstId]);
    const lastId = rows[rows.length - 1].id;
    await resumed.next((e) => e.id === lastId, 3000, 0);
    expect(victim.events.filter((e) => e.id).length).toBeGreaterThan(0); // it did get some before draining
    await survivor.next((e) => e.id === lastId, 3000, 0);
    const seen = [...victim.events, ...resumed.events].filter((e) => e.id).map((e) => e.id);
    expect(seen).toEqual(rows.map((r) => r.id)); // every event once, in order
    expect(survivor.events.filter((e) => e.id).map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(rows.length).toBeGreaterThan(5);
    resumed.close();
    survivor.close();
  }, 60_000);
});

describe('time passing', () => {
  it('events older than 24 h are gone after the retention run; a stream resuming from one gets resync', async () => {
    const h = await household();
    expect((await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } })).status).toBe(201);
    expect((await api('POST', `/parental-controls/profiles/${h.kid}/viewing-time/grant`, { token: h.token, body: { minutes: 15, pin: PIN } })).status).toBe(200);
    const { rows } = await db.query(`select id::text from events where profile_id = $1 order by events.id`, [h.kid]);
    expect(rows).toHaveLength(2);
    await db.query(`update events set created_at = now() - interval '25 hours' where id = $1`, [rows[0].id]);
    const pool = new pg.Pool({ connectionString: cluster.dbUrl, max: 1 });
    try {
      const result = await runRetention(pool, { now: new Date(), sessionsDays: 90, balancesDays: 365, grantsDays: 365, batchSize: 100 });
      expect(result.events).toBeGreaterThanOrEqual(1);
    } finally {
      await pool.end();
    }
    const left = await db.query(`select id::text from events where profile_id = $1 order by events.id`, [h.kid]);
    expect(left.rows).toEqual([rows[1]]);
    const s = await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken, lastEventId: rows[0].id });
    expect((await s.next((e) => e.event === 'resync', 2000)).data.reason).toMatch(/24 h/);
    s.close();
  }, 30_000);

  it('a pending request expires at the end of its viewing day (clock moved), with its live event; answering it is 409', async () => {
    const h = await household();
    const stream = await sse(`/viewing-time/events/${h.kid}`, { token: h.kidToken });
    const ask = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 60 } });
    expect(ask.status).toBe(201);
    const day = ask.body.date as string;
    clock.set(ask.body.expires_at); // the viewing day's end: the next starts
    const expired = await stream.next(isRequest('expired', ask.body.id), 3000); // the sweep, no read needed
    expect(expired.data.request).toMatchObject({ status: 'expired', date: day });
    expect((await api('GET', `/viewing-time/requests/${h.kid}`, { token: h.kidToken })).body.items).toEqual([]);
    const history = await api('GET', `/parental-controls/requests?date=${day}`, { token: h.token });
    expect(history.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[ask.body.id, 'expired']]);
    const late = await api('POST', `/parental-controls/requests/${ask.body.id}/approve`, { token: h.token, body: { pin: PIN } });
    expect(late.status).toBe(409);
    // a new day: the child may ask again
    const fresh = await api('POST', '/viewing-time/requests', { token: h.kidToken, body: { profile_id: h.kid, minutes: 15 } });
    expect([fresh.status, fresh.body.date > day]).toEqual([201, true]);
    stream.close();
  }, 30_000);
});
