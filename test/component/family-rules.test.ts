// Family rules (SPEC §3a): a parent's pause, a limit for each day of the week and enforced breaks,
// driven over HTTP on a real cluster of 2 processes that read one shared test clock. Where a rule
// crosses processes (a pause set through one, the next beat served by the other) the test makes
// sure both processes take part.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openSse, type SseStream } from '../../load-tests/lib/sse.ts';
import { dropDatabase, ownDatabase, request, startCluster, type Answer, type RunningCluster } from '../cluster-harness.ts';
import { TestClock, uniqueEmail } from '../harness.ts';

const PIN = '4812';
const START = '2026-11-25T10:00:00Z'; // a Wednesday, 11:00 in Berlin (reset hour 6)
const titles = { regular: randomUUID(), educational: randomUUID() };

let cluster: RunningCluster;
let db: pg.Client;
let clock: TestClock;
const opened: SseStream[] = [];

const api = (method: string, p: string, opts: { token?: string; body?: unknown } = {}) => request(cluster.url, method, `/api/v1${p}`, opts);

interface Household { token: string; kids: string[]; adult: string; userId: string }

async function household(kids = 1, settings: Record<string, unknown> = {}): Promise<Household> {
  const token = (await api('POST', '/auth/register', { body: { email: uniqueEmail('rules'), password: 'family rules household', timezone: 'Europe/Berlin' } })).body.access_token as string;
  const ids: string[] = [];
  for (let i = 0; i < kids; i++) ids.push((await api('POST', '/auth/profiles', { token, body: { name: `Kid ${i}`, is_kids: true } })).body.id);
  const adult = (await api('POST', '/auth/profiles', { token, body: { name: 'Parent', is_kids: false } })).body.id as string;
  expect((await api('POST', '/parental-controls/pin', { token, body: { new_pin: PIN } })).status).toBe(200);
  expect((await api('POST', '/parental-controls/pin/lock', { token })).status).toBe(200); // every change below carries its own proof
  for (const kid of ids) if (Object.keys(settings).length) expect((await put(token, kid, settings)).status).toBe(200);
  return { token, kids: ids, adult, userId: (await api('GET', '/auth/me', { token })).body.id };
}

const put = (token: string, kid: string, body: Record<string, unknown>) => api('PUT', `/parental-controls/profiles/${kid}/viewing-time`, { token, body: { ...body, pin: PIN } });
const pause = (token: string, kid: string | null, body: Record<string, unknown> = {}) =>
  api('POST', kid ? `/parental-controls/profiles/${kid}/pause` : '/parental-controls/pause', { token, body: { pin: PIN, ...body } });
const lift = (token: string, kid: string | null) => api('DELETE', kid ? `/parental-controls/profiles/${kid}/pause` : '/parental-controls/pause', { token, body: { pin: PIN } });
const balance = async (token: string, kid: string) => (await api('GET', `/viewing-time/balance/${kid}`, { token })).body;

/** A player: its device, session and seq; `beat` sends the next heartbeat and keeps the session id that comes back. */
function player(token: string, kid: string, device = 'tv', title = titles.regular) {
  const p = {
    session: undefined as string | undefined, seq: 0, title,
    async beat(): Promise<Answer> {
      const a = await api('POST', '/viewing-time/heartbeat', { token, body: { profile_id: kid, session_id: p.session, title_id: p.title, device_id: device, seq: ++p.seq } });
      expect(a.status).toBe(200);
      if (a.body.reason !== 'superseded') p.session = a.body.session_id;
      return a;
    },
  };
  return p;
}

/** Beats every 30 s (test clock) `n` times; the answers. */
async function watch(p: ReturnType<typeof player>, n: number): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < n; i++) {
    clock.advance(30);
    out.push(await p.beat());
  }
  return out;
}

async function kidsStream(h: Household, kid: string): Promise<SseStream> {
  const kidToken = (await api('POST', `/auth/profiles/${kid}/select`, { token: h.token })).body.access_token as string;
  const s = await openSse(cluster.url, `/api/v1/viewing-time/events/${kid}`, { token: kidToken });
  expect(s.status).toBe(200);
  opened.push(s);
  return s;
}

const usedSeconds = async (kid: string) => (await db.query('select coalesce(sum(used_seconds), 0)::int as s from viewing_time_balances where profile_id = $1', [kid])).rows[0].s as number;
const iso = (ms: number) => new Date(ms).toISOString();
/** An instant as the API writes it (event payloads carry PostgreSQL's form). */
const at = (s: string) => new Date(s).toISOString();

beforeAll(async () => {
  const url = await ownDatabase('vtime_rules');
  clock = new TestClock(START, path.join(mkdtempSync(path.join(os.tmpdir(), 'vtime-clock-')), 'now'));
  cluster = await startCluster(url, { TEST_CLOCK_FILE: clock.file!, REQUEST_EXPIRY_INTERVAL_MS: '300', SHUTDOWN_GRACE_MS: '0' });
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at)
    values ($1, 'Rules Cartoons', false, 22, 'G', now()), ($2, 'Rules Science', true, 15, 'G', now())`, [titles.regular, titles.educational]);
}, 60_000);

afterAll(async () => {
  if (cluster && cluster.child.exitCode !== null) console.log('the cluster stopped during the tests:\n' + cluster.output.join('').slice(-5000));
  for (const s of opened) s.close();
  await cluster?.stop('SIGTERM');
  await db?.end();
  if (cluster) await dropDatabase(cluster.dbUrl);
});

beforeEach(() => clock.set(START));

describe('pause now', () => {
  it('a pause set through one process blocks the next beat the other serves, within 1 s, and credits nothing; lifting plays again', async () => {
    const h = await household();
    const kid = h.kids[0];
    const tv = player(h.token, kid);
    await tv.beat();
    await watch(tv, 2);
    const paused = await pause(h.token, kid);
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ profile_id: kid, paused_at: iso(clock.t), paused_until: null });
    const setAt = performance.now();
    // beats (no clock move) until the process that did not set the pause answers one
    let other: Answer | undefined;
    for (let i = 0; i < 20 && !other; i++) {
      const a = await tv.beat();
      expect(a.body).toMatchObject({ enforcement: 'blocked', reason: 'paused_by_parent', remaining_minutes: 0, next_change_at: null, paused_until: null });
      if (a.servedBy !== paused.servedBy) other = a;
    }
    expect(other).toBeDefined();
    expect(performance.now() - setAt).toBeLessThan(1_000);
    const before = await usedSeconds(kid);
    const during = await watch(tv, 6);
    expect(during.every((a) => a.body.enforcement === 'blocked' && a.body.reason === 'paused_by_parent')).toBe(true);
    expect(new Set(during.map((a) => a.servedBy)).size).toBe(2);
    expect(await usedSeconds(kid)).toBe(before);
    // a new session (another device) is blocked too, and the old player's balance poll keeps it locked
    const tablet = player(h.token, kid, 'tablet');
    expect((await tablet.beat()).body).toMatchObject({ enforcement: 'blocked', reason: 'paused_by_parent' });
    expect(await balance(h.token, kid)).toMatchObject({
      has_limits: true, remaining_minutes: 0, is_unlimited_override: false, reason: 'paused_by_parent', allowed_now: false, paused_until: null, next_change_at: null,
    });
    expect((await api('GET', `/viewing-time/playback-eligible/${kid}`, { token: h.token })).body).toMatchObject({ eligible: false, reason: 'paused_by_parent' });
    expect((await api('GET', `/parental-controls/profiles/${kid}/viewing-time`, { token: h.token })).body.pause).toEqual({ paused_at: paused.body.paused_at, paused_until: null });

    expect((await lift(h.token, kid)).status).toBe(204);
    clock.advance(30);
    const again = await tablet.beat();
    expect(again.body).toMatchObject({ enforcement: 'allowed', reason: 'within_limit', paused_until: null });
    expect(await usedSeconds(kid)).toBe(before + 30); // the stretch since the last (paused) beat, no more
    expect((await api('GET', `/parental-controls/profiles/${kid}/viewing-time`, { token: h.token })).body.pause).toBeNull();
  });

  it('pause everyone until an instant: every kids profile, not the adult; each answers with the end; it ends by itself; lifting everyone', async () => {
    const h = await household(2);
    const until = iso(clock.t + 45 * 60_000);
    const all = await pause(h.token, null, { until });
    expect(all.status).toBe(200);
    expect(all.body.profiles.map((p: { profile_id: string }) => p.profile_id).sort()).toEqual([...h.kids].sort());
    expect(all.body.profiles.every((p: { paused_until: string }) => p.paused_until === until)).toBe(true);
    for (const kid of h.kids) {
      expect((await player(h.token, kid).beat()).body).toMatchObject({ enforcement: 'blocked', reason: 'paused_by_parent', next_change_at: until, paused_until: until });
      expect(await balance(h.token, kid)).toMatchObject({ remaining_minutes: 0, paused_until: until, next_change_at: until });
    }
    expect((await player(h.token, h.adult).beat()).body).toMatchObject({ enforcement: 'allowed', reason: 'adult_profile' });
    clock.set(until); // the pause is over at its end
    expect((await player(h.token, h.kids[0], 'phone').beat()).body).toMatchObject({ enforcement: 'allowed', paused_until: null });
    // pause everyone again, then lift everyone: whoever set it
    expect((await pause(h.token, null, { minutes: 30 })).status).toBe(200);
    expect((await lift(h.token, null)).status).toBe(204);
    for (const kid of h.kids) expect(await balance(h.token, kid)).toMatchObject({ reason: 'within_limit', paused_until: null });
  });

  it('a kids device hears paused, lifted and expired; a new pause replaces the current one', async () => {
    const h = await household();
    const kid = h.kids[0];
    const s = await kidsStream(h, kid);
    const first = await pause(h.token, kid, { minutes: 5 });
    const paused = await s.next((e) => e.event === 'pause' && e.data.action === 'paused');
    expect([paused.data.profile_id, at(paused.data.paused_at), at(paused.data.paused_until)]).toEqual([kid, first.body.paused_at, first.body.paused_until]);
    const second = await pause(h.token, kid, { minutes: 20 }); // replaces the first
    expect(second.body.paused_until).toBe(iso(clock.t + 20 * 60_000));
    expect((await balance(h.token, kid)).paused_until).toBe(second.body.paused_until);
    await lift(h.token, kid);
    expect(at((await s.next((e) => e.event === 'pause' && e.data.action === 'lifted')).data.lifted_at)).toBe(iso(clock.t));
    const third = await pause(h.token, kid, { minutes: 5 });
    clock.advance(5 * 60 + 1);
    // the sweep (every 300 ms here) closes it at its end and tells the device
    expect(at((await s.next((e) => e.event === 'pause' && e.data.action === 'expired', 5_000)).data.paused_until)).toBe(third.body.paused_until);
    const { rows } = await db.query(`select count(*)::int as n from family_rule_spans where profile_id = $1 and kind = 'pause' and closed_at is null`, [kid]);
    expect(rows[0].n).toBe(0);
    expect(s.events.filter((e) => e.event === 'pause' && e.data.action === 'expired')).toHaveLength(1); // one event, though both processes sweep
  });

  it('bad pauses: minutes and until both, out of range, in the past, too far; an adult; another household; no PIN proof; pause in a settings PUT', async () => {
    const h = await household();
    const kid = h.kids[0];
    const other = await household();
    const field = async (body: Record<string, unknown>, target = kid) => { const a = await pause(h.token, target, body); return [a.status, a.body.field ?? a.body.code]; };
    expect(await field({ minutes: 10, until: iso(clock.t + 600_000) })).toEqual([422, 'until']);
    expect(await field({ minutes: 4 })).toEqual([422, 'minutes']);
    expect(await field({ minutes: 721 })).toEqual([422, 'minutes']);
    expect(await field({ until: iso(clock.t - 1000) })).toEqual([422, 'until']);
    expect(await field({ until: iso(clock.t + 721 * 60_000) })).toEqual([422, 'until']);
    expect(await field({ until: 'tonight' })).toEqual([422, 'until']);
    expect(await field({}, h.adult)).toEqual([422, 'profile_id']);
    expect((await pause(h.token, other.kids[0])).status).toBe(404);
    const noProof = await api('POST', `/parental-controls/profiles/${kid}/pause`, { token: h.token, body: { minutes: 10 } });
    expect([noProof.status, noProof.body.code]).toEqual([403, 'invalid_pin_token']);
    const inSettings = await put(h.token, kid, { pause: { minutes: 10 } });
    expect([inSettings.status, inSettings.body.field]).toEqual([422, 'pause']);
    const { rows } = await db.query('select count(*)::int as n from family_rule_spans where profile_id = any($1)', [[kid, h.adult, other.kids[0]]]);
    expect(rows[0].n).toBe(0); // nothing written by any of them
  });

  it('pause and lift take at most 3 round trips, with a pin_token or a PIN-verified login', async () => {
    const h = await household();
    const kid = h.kids[0];
    const pinToken = (await api('POST', '/parental-controls/pin/verify', { token: h.token, body: { pin: PIN } })).body.pin_token as string;
    // the verify above also opened this login's PIN-verified window: the proofless calls use it
    const calls = [
      await api('POST', `/parental-controls/profiles/${kid}/pause`, { token: h.token, body: { minutes: 30, pin_token: pinToken } }),
      await api('DELETE', `/parental-controls/profiles/${kid}/pause`, { token: h.token, body: { pin_token: pinToken } }),
      await api('POST', '/parental-controls/pause', { token: h.token, body: { pin_token: pinToken } }),
      await api('DELETE', '/parental-controls/pause', { token: h.token, body: { pin_token: pinToken } }),
      await api('POST', `/parental-controls/profiles/${kid}/pause`, { token: h.token, body: {} }),
      await api('DELETE', `/parental-controls/profiles/${kid}/pause`, { token: h.token, body: {} }),
      await api('POST', '/parental-controls/pause', { token: h.token, body: { minutes: 5 } }),
      await api('DELETE', '/parental-controls/pause', { token: h.token, body: {} }),
    ];
    expect(calls.map((c) => c.status)).toEqual([200, 204, 200, 204, 200, 204, 200, 204]);
    expect(calls.map((c) => Number(c.headers['x-db-ops']))).toEqual(calls.map(() => expect.any(Number)));
    expect(Math.max(...calls.map((c) => Number(c.headers['x-db-ops'])))).toBeLessThanOrEqual(3);
  });
});

describe('a budget for each day of the week', () => {
  const WEEK = { monday: 15, tuesday: 30, wednesday: 45, thursday: 60, friday: 75, saturday: 90, sunday: null };

  it('each day of the week applies its own limit, to the balance and to the heartbeat', async () => {
    const h = await household(1, { daily_limits: WEEK });
    const kid = h.kids[0];
    // Monday 2026-11-30 to Sunday 2026-12-06, noon in Berlin
    const days = ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'];
    const limits = [];
    for (const d of days) {
      clock.set(`${d}T11:00:00Z`);
      const b = await balance(h.token, kid);
      expect(b.date).toBe(d);
      limits.push(b.limit_minutes);
    }
    expect(limits).toEqual([15, 30, 45, 60, 75, 90, null]);
    // Monday's 15 minutes run out after 15 minutes of viewing; Sunday has no limit
    clock.set('2026-11-30T11:00:00Z');
    const tv = player(h.token, kid);
    await tv.beat();
    const monday = await watch(tv, 31);
    expect(monday.at(-1)!.body).toMatchObject({ enforcement: 'blocked', reason: 'daily_limit_reached', used_minutes: 15 });
    clock.set('2026-12-06T11:00:00Z');
    const sunday = player(h.token, kid, 'phone');
    await sunday.beat();
    expect((await watch(sunday, 2)).at(-1)!.body).toMatchObject({ enforcement: 'allowed', reason: 'no_limit', remaining_minutes: null });
  });

  it('the old fields set and show the days they stand for; a day named both ways is a 422', async () => {
    const h = await household();
    const kid = h.kids[0];
    const get = async () => (await api('GET', `/parental-controls/profiles/${kid}/viewing-time`, { token: h.token })).body;
    expect(await get()).toMatchObject({ weekday_limit_minutes: 120, weekend_limit_minutes: 180, daily_limits_differ: false,
      daily_limits: { monday: 120, tuesday: 120, wednesday: 120, thursday: 120, friday: 120, saturday: 180, sunday: 180 } });
    expect((await put(h.token, kid, { weekday_limit_minutes: 60 })).body).toMatchObject({ weekday_limit_minutes: 60,
      daily_limits: { monday: 60, tuesday: 60, wednesday: 60, thursday: 60, friday: 60, saturday: 180, sunday: 180 }, daily_limits_differ: false });
    expect((await put(h.token, kid, { daily_limits: { wednesday: 90, sunday: null } })).body).toMatchObject({ weekday_limit_minutes: 60, weekend_limit_minutes: 180,
      daily_limits: { monday: 60, wednesday: 90, saturday: 180, sunday: null }, daily_limits_differ: true });
    expect((await balance(h.token, kid)).limit_minutes).toBe(90); // today is a Wednesday: at once
    expect((await put(h.token, kid, { weekend_limit_minutes: 45 })).body.daily_limits).toMatchObject({ saturday: 45, sunday: 45 });
    const bad = async (body: Record<string, unknown>) => { const a = await put(h.token, kid, body); return [a.status, a.body.field]; };
    expect(await bad({ weekday_limit_minutes: 60, daily_limits: { monday: 30 } })).toEqual([422, 'daily_limits']);
    expect(await bad({ weekend_limit_minutes: 60, daily_limits: { sunday: 30 } })).toEqual([422, 'daily_limits']);
    expect(await bad({ daily_limits: { wednesday: 17 } })).toEqual([422, 'daily_limits.wednesday']);
    expect(await bad({ daily_limits: { funday: 30 } })).toEqual([422, 'daily_limits.funday']);
    expect((await get()).daily_limits).toEqual({ monday: 60, tuesday: 60, wednesday: 90, thursday: 60, friday: 60, saturday: 45, sunday: 45 });
  });

  it('a DST day: the Saturday viewing day across Berlin’s spring-forward night lasts 23 hours with Saturday’s limit; Sunday has Sunday’s', async () => {
    const h = await household(1, { daily_limits: { saturday: 120, sunday: 45 } });
    const kid = h.kids[0];
    clock.set('2027-03-28T12:00:00Z');
    expect(await balance(h.token, kid)).toMatchObject({ date: '2027-03-28', limit_minutes: 45, next_reset_at: '2027-03-29T04:00:00.000Z' });
    clock.set('2027-03-28T03:30:00Z'); // 05:30 CEST, before the reset hour: still Saturday's viewing day, begun at 06:00 CET (05:00 UTC) the day before
    expect(await balance(h.token, kid)).toMatchObject({ date: '2027-03-27', limit_minutes: 120, next_reset_at: '2027-03-28T04:00:00.000Z' });
  });
});

describe('breaks', () => {
  const RULE = { after_minutes: 15, break_minutes: 5 };

  it('a break begins after 15 counted minutes across a device switch, warns before, blocks both devices while it runs, and is announced', async () => {
    const h = await household(1, { break_rule: RULE, daily_limits: { wednesday: null } });
    const kid = h.kids[0];
    const s = await kidsStream(h, kid);
    const tv = player(h.token, kid, 'tv');
    expect((await tv.beat()).body).toMatchObject({ enforcement: 'warning_15', remaining_minutes: 15 });
    const first = await watch(tv, 10); // 5 minutes on the tv
    expect(first.at(-1)!.body).toMatchObject({ enforcement: 'warning_15', reason: 'no_limit', remaining_minutes: 10 });
    const tablet = player(h.token, kid, 'tablet'); // the switch, at once: a new session on another device
    await tablet.beat();
    const second = await watch(tablet, 20); // 10 more minutes
    expect(second[9].body).toMatchObject({ enforcement: 'warning_5', remaining_minutes: 5 });
    const started = second.at(-1)!.body;
    const breakUntil = iso(clock.t + 5 * 60_000);
    expect(started).toMatchObject({ enforcement: 'blocked', reason: 'break_time', remaining_minutes: 0, next_change_at: breakUntil, break_until: breakUntil });
    const announced = (await s.next((e) => e.event === 'break_started')).data;
    expect([announced.profile_id, at(announced.break_until), announced.break_minutes]).toEqual([kid, breakUntil, 5]);
    const counted = await usedSeconds(kid);
    expect(counted).toBe(15 * 60);
    // the break holds on every device: the tv starts again, the tablet beats on
    expect((await player(h.token, kid, 'tv').beat()).body).toMatchObject({ enforcement: 'blocked', reason: 'break_time', next_change_at: breakUntil });
    expect(await balance(h.token, kid)).toMatchObject({ has_limits: true, remaining_minutes: 0, break_until: breakUntil, reason: 'break_time', is_unlimited_override: false });
    const tv2 = player(h.token, kid, 'tv');
    await tv2.beat();
    const during = await watch(tv2, 9);
    expect(during.every((a) => a.body.reason === 'break_time')).toBe(true);
    expect(await usedSeconds(kid)).toBe(counted); // nothing counted during it
    clock.set(breakUntil);
    clock.advance(30); // a stretch the break ended in: only its last 30 s count
    expect((await tv2.beat()).body).toMatchObject({ enforcement: 'warning_15', reason: 'no_limit', remaining_minutes: 14.5, break_until: null });
    expect(await usedSeconds(kid)).toBe(counted + 30);
    const { rows } = await db.query(`select kind, started_at, ends_at from family_rule_spans where profile_id = $1`, [kid]);
    expect(rows.map((r) => [r.kind, r.ends_at.toISOString()])).toEqual([['break', breakUntil]]);
  });

  it('a stretch of break_minutes with nothing counted resets the count; a shorter one does not', async () => {
    const h = await household(1, { break_rule: RULE, daily_limits: { wednesday: null } });
    const kid = h.kids[0];
    const tv = player(h.token, kid);
    await tv.beat();
    await watch(tv, 20); // 10 minutes
    const end = (p: ReturnType<typeof player>) => api('POST', `/viewing-time/session/${p.session}/end`, { token: h.token });
    expect((await end(tv)).status).toBe(200);
    expect((await balance(h.token, kid)).remaining_minutes).toBe(5);
    clock.advance(4 * 60); // 4 minutes without viewing: not enough
    expect((await balance(h.token, kid)).remaining_minutes).toBe(5);
    const phone = player(h.token, kid, 'phone');
    await phone.beat();
    expect((await watch(phone, 4)).at(-1)!.body).toMatchObject({ remaining_minutes: 3 });
    await end(phone);
    clock.advance(5 * 60 + 30); // 5 minutes without viewing: the count starts again
    expect((await balance(h.token, kid)).remaining_minutes).toBe(15);
    const again = player(h.token, kid, 'tv');
    await again.beat();
    const after = await watch(again, 28); // 14 minutes: no break yet
    expect(after.every((a) => a.body.enforcement !== 'blocked')).toBe(true);
    expect(after.at(-1)!.body.remaining_minutes).toBe(1);
  });

  it('exempt educational titles neither count towards a break nor stop during one', async () => {
    const h = await household(1, { break_rule: RULE, daily_limits: { wednesday: null } });
    const kid = h.kids[0];
    const science = player(h.token, kid, 'tv', titles.educational);
    await science.beat();
    const edu = await watch(science, 40); // 20 minutes of science: no break
    expect(edu.every((a) => a.body.enforcement === 'allowed' && a.body.reason === 'educational')).toBe(true);
    const cartoons = player(h.token, kid, 'tv');
    await cartoons.beat();
    const regular = await watch(cartoons, 30);
    expect(regular.at(-1)!.body.reason).toBe('break_time');
    const during = player(h.token, kid, 'tablet', titles.educational);
    await during.beat();
    expect((await watch(during, 2)).at(-1)!.body).toMatchObject({ enforcement: 'allowed', reason: 'educational', break_until: expect.any(String) });
  });

  it('a break that straddles the reset hour runs to its end on the new viewing day', async () => {
    const h = await household(1, { break_rule: RULE, daily_limits: { wednesday: null, thursday: null } });
    const kid = h.kids[0];
    clock.set('2026-11-26T04:43:00Z'); // Thursday 05:43 in Berlin: still Wednesday's viewing day
    const tv = player(h.token, kid);
    await tv.beat();
    const run = await watch(tv, 30); // the break starts at 05:58
    const breakUntil = '2026-11-26T05:03:00.000Z';
    expect(run.at(-1)!.body).toMatchObject({ reason: 'break_time', break_until: breakUntil, next_reset_at: '2026-11-26T05:00:00.000Z' });
    clock.set('2026-11-26T05:01:00Z'); // 06:01: Thursday's viewing day, the break still on
    const next = await tv.beat();
    expect(next.body).toMatchObject({ enforcement: 'blocked', reason: 'break_time', next_change_at: breakUntil, next_reset_at: '2026-11-27T05:00:00.000Z' });
    expect(await balance(h.token, kid)).toMatchObject({ date: '2026-11-26', break_until: breakUntil, remaining_minutes: 0 });
    clock.set('2026-11-26T05:03:30Z'); // the break ended 30 s ago: those count
    expect((await tv.beat()).body).toMatchObject({ enforcement: 'warning_15', reason: 'no_limit', remaining_minutes: 14.5 });
  });

  it('the settings take a break rule on its grid, show it, and turning it off ends a break running now', async () => {
    const h = await household(1, { daily_limits: { wednesday: null } });
    const kid = h.kids[0];
    const bad = async (rule: unknown) => { const a = await put(h.token, kid, { break_rule: rule }); return [a.status, a.body.field]; };
    expect(await bad({ after_minutes: 20, break_minutes: 5 })).toEqual([422, 'break_rule.after_minutes']);
    expect(await bad({ after_minutes: 195, break_minutes: 5 })).toEqual([422, 'break_rule.after_minutes']);
    expect(await bad({ after_minutes: 45, break_minutes: 7 })).toEqual([422, 'break_rule.break_minutes']);
    expect(await bad({ after_minutes: 45 })).toEqual([422, 'break_rule.break_minutes']);
    expect((await put(h.token, kid, { break_rule: RULE })).body.break_rule).toEqual(RULE);
    const tv = player(h.token, kid);
    await tv.beat();
    expect((await watch(tv, 30)).at(-1)!.body.reason).toBe('break_time');
    expect((await put(h.token, kid, { break_rule: null })).body.break_rule).toBeNull();
    clock.advance(30);
    expect((await tv.beat()).body).toMatchObject({ enforcement: 'allowed', reason: 'no_limit', break_until: null });
  });
});

describe('history and the weekly report', () => {
  it('show each day’s paused and break minutes', async () => {
    const h = await household(1, { break_rule: { after_minutes: 15, break_minutes: 10 }, daily_limits: { wednesday: null } });
    const kid = h.kids[0];
    const tv = player(h.token, kid);
    await tv.beat();
    await watch(tv, 30); // a 10-minute break from 11:15
    clock.advance(20 * 60);
    await pause(h.token, kid, { minutes: 30 });
    clock.advance(60 * 60); // the whole pause has passed
    const history = await api('GET', `/parental-controls/profiles/${kid}/history?from_date=2026-11-25&to_date=2026-11-25`, { token: h.token });
    expect(history.body.days).toEqual([expect.objectContaining({ date: '2026-11-25', paused_minutes: 30, break_minutes: 10 })]);
    const report = await api('GET', '/parental-controls/weekly-report', { token: h.token });
    expect(report.body.profiles[0].daily_totals.find((d: { date: string }) => d.date === '2026-11-25')).toMatchObject({ paused_minutes: 30, break_minutes: 10 });
    expect(Number(report.headers['x-db-ops'])).toBeLessThanOrEqual(3);
  });
});
