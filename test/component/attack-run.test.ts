// What an attack run against a fresh clone found (2026-12-06), each reproduced here, and kids
// devices that a parent can sign out. Two service processes share the database, as two hosts would:
// a change made through one must take effect on the other (LISTEN/NOTIFY).
import { openSse, type SseStream } from '../../load-tests/lib/sse.ts';
import { client, startTestService, TestClock, waitFor, type TestService } from '../harness.ts';
import { beat, createTitles, household, type Api } from './viewing-time.fixtures.ts';

// a Wednesday, 11:00 in Berlin
const clock = new TestClock('2026-11-25T10:00:00Z');
let a: TestService;
let b: TestService;
let apiA: Api;
let apiB: Api;
let titles: { regular: string; educational: string };
const PIN = '3141';
const opened: SseStream[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startTestService({}, { clock }), startTestService({}, { clock })]);
  apiA = client(a.url);
  apiB = client(b.url);
  titles = await createTitles();
});
afterAll(async () => {
  for (const s of opened) s.close();
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => clock.set('2026-11-25T10:00:00Z'));

async function family() {
  const h = await household(apiA);
  expect((await apiA('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: PIN } })).status).toBe(200);
  return h;
}

async function sse(svc: TestService, path: string, opts: { token?: string; lastEventId?: string } = {}): Promise<SseStream> {
  const s = await openSse(svc.url, `/api/v1${path}`, opts);
  opened.push(s);
  return s;
}

/** `p`, or a failure after `ms` (the timer never outlives the test). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(what)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

const select = async (api: Api, token: string, profile: string) => (await api('POST', `/api/v1/auth/profiles/${profile}/select`, { token })).body;

describe('live streams: a bad Last-Event-ID never keeps a place', () => {
  it('an id past 2^63 - 1, as header or query, is a 422 naming it; after ten of them the household still opens 10 streams', async () => {
    const h = await family();
    const device = (await select(apiA, h.token, h.kidId)).access_token;
    for (let i = 0; i < 5; i++) {
      const header = await sse(a, `/viewing-time/events/${h.kidId}`, { token: device, lastEventId: '9223372036854775808' });
      expect([header.status, header.body.code, header.body.field]).toEqual([422, 'validation_error', 'Last-Event-ID']);
      const query = await sse(b, `/viewing-time/events/${h.kidId}?last_event_id=9223372036854775808`, { token: device });
      expect([query.status, query.body.field]).toEqual([422, 'last_event_id']);
    }
    expect((await sse(a, `/viewing-time/events/${h.kidId}`, { token: device, lastEventId: '12abc' })).status).toBe(422);
    const streams: SseStream[] = [];
    // on one process: places held on another count once its metrics are published (a cluster's processes publish them)
    for (let i = 0; i < 10; i++) streams.push(await sse(a, '/parental-controls/events', { token: h.token }));
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    const eleventh = await sse(a, '/parental-controls/events', { token: h.token });
    expect(eleventh.status).toBe(429);
    // the largest id there can be is fine: unknown, so the stream starts with resync
    streams[0].close();
    const largest = await waitFor(async () => {
      const s = await sse(b, `/viewing-time/events/${h.kidId}`, { token: device, lastEventId: '9223372036854775807' });
      return s.status === 200 && s;
    }, 'the freed place');
    expect((await largest.next((e) => e.event === 'resync', 2000)).data.reason).toMatch(/unknown/);
    for (const s of [...streams, largest]) s.close();
  });
});

describe('bad input is a 422 naming the field, never a 500', () => {
  it('a time-request message holding a lone surrogate', async () => {
    const h = await family();
    const r = await apiA('POST', '/api/v1/viewing-time/requests', { token: h.token, raw: '{"profile_id":"' + h.kidId + '","minutes":15,"message":"a\\ud800b"}' });
    expect([r.status, r.body.field]).toEqual([422, 'message']);
    expect(r.body.detail).toMatch(/surrogate/);
    const ok = await apiA('POST', '/api/v1/viewing-time/requests', { token: h.token, body: { profile_id: h.kidId, minutes: 15, message: 'a 🦉 b' } });
    expect([ok.status, ok.body.message]).toEqual([201, 'a 🦉 b']); // a well-formed pair is fine
  });

  it('dates PostgreSQL refuses: an override of 0000-01-01, a history from year 0', async () => {
    const h = await family();
    const path = `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time/overrides/0000-01-01`;
    for (const [method, body] of [['DELETE', { pin: PIN }], ['PUT', { windows: [], pin: PIN }]] as const) {
      const r = await apiA(method, path, { token: h.token, body });
      expect([method, r.status, r.body.field]).toEqual([method, 422, 'date']);
    }
    const history = await apiA('GET', `/api/v1/parental-controls/profiles/${h.kidId}/history?from_date=0000-01-01&to_date=0000-01-02`, { token: h.token });
    expect([history.status, history.body.field]).toEqual([422, 'from_date']);
  });

  it('time zones are IANA names: offsets, SystemV and removed names are refused, browsers’ names kept', async () => {
    const h = await family();
    const put = (timezone: string) => apiA('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token, body: { timezone, pin: PIN } });
    for (const zone of ['+05:00', 'US/Pacific-New', 'SystemV/AST4', 'EST5EDT', 'Mars/Olympus']) {
      const r = await put(zone);
      expect([zone, r.status, r.body.field]).toEqual([zone, 422, 'timezone']);
      const reg = await apiA('POST', '/api/v1/auth/register', { body: { email: `tz-${Math.random()}@test.vtime.example`, password: 'long enough', timezone: zone } });
      expect([zone, reg.status, reg.body.field]).toEqual([zone, 422, 'timezone']);
    }
    for (const zone of ['Asia/Calcutta', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'UTC']) expect([zone, (await put(zone)).status]).toEqual([zone, 200]);
  });

  it('an unknown method answers 501 without an error line and outside the 5xx count', async () => {
    const before = a.logLines.filter((l) => Number(l.level) >= 50).length;
    const metrics = () => a.metrics.admin();
    const errorsBefore = (await metrics()).errors.server_errors;
    for (const method of ['PROPFIND', 'MKCOL']) {
      const r = await fetch(`${a.url}/api/v1/auth/me`, { method });
      expect([method, r.status, ((await r.json()) as { code: string }).code]).toEqual([method, 501, 'not_implemented']);
    }
    expect(a.logLines.filter((l) => Number(l.level) >= 50).length).toBe(before);
    expect((await metrics()).errors.server_errors).toBe(errorsBefore);
    const prom = await (await fetch(a.metricsUrl)).text();
    expect(prom).not.toMatch(/vtime_http_requests_total\{status_class="5xx"\} [1-9]/);
  });

  it('PIN proof travels in the body: an override DELETE with ?pin= is refused, with {pin} in the body it works', async () => {
    const h = await family();
    const path = `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time/overrides/2026-11-26`;
    expect((await apiA('PUT', path, { token: h.token, body: { windows: [], pin: PIN } })).status).toBe(200);
    const other = (await apiA('POST', '/api/v1/auth/login', { body: { email: h.email, password: h.password } })).body.access_token;
    const inQuery = await apiA('DELETE', `${path}?pin=${PIN}`, { token: other });
    expect([inQuery.status, inQuery.body.field, inQuery.body.location]).toEqual([422, 'pin', 'query']);
    expect((await apiA('DELETE', path, { token: other })).status).toBe(403); // no proof at all
    expect((await apiA('DELETE', path, { token: other, body: { pin: PIN } })).status).toBe(204);
    expect((await apiA('GET', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: other })).body.overrides).toEqual([]);
  });
});

describe('kids devices can be signed out', () => {
  it('lists the devices; one signed out on one process gets 401 on the other and its stream ends within 2 s; the rest keep working', async () => {
    const h = await family();
    const sibling = (await apiA('POST', '/api/v1/auth/profiles', { token: h.token, body: { name: 'Mia', is_kids: true } })).body.id as string;
    const tablet = await select(apiA, h.token, h.kidId);
    clock.advance(60);
    const phone = await select(apiB, h.token, sibling);
    expect((await beat(apiB, tablet.access_token, { profile_id: h.kidId, title_id: titles.regular })).status).toBe(200);
    const listed = await apiA('GET', '/api/v1/auth/devices', { token: h.token });
    expect(listed.body.items.map((d: { id: string; profile_id: string; profile_name: string; created_at: string }) => [d.id, d.profile_id, d.profile_name, d.created_at]))
      .toEqual([[phone.device_id, sibling, 'Mia', '2026-11-25T10:01:00.000Z'], [tablet.device_id, h.kidId, 'Kid', '2026-11-25T10:00:00.000Z']]);
    // last seen: kept in memory and written about once a minute; the process that lists writes its own first
    await b.devices.flush();
    expect((await apiA('GET', '/api/v1/auth/devices', { token: h.token })).body.items.find((d: { id: string }) => d.id === tablet.device_id).last_seen_at).toBe('2026-11-25T10:01:00.000Z');
    const stream = await sse(b, `/viewing-time/events/${h.kidId}`, { token: tablet.access_token });
    expect(stream.status).toBe(200);
    const noProof = await apiA('DELETE', `/api/v1/auth/devices/${tablet.device_id}`, { token: (await apiA('POST', '/api/v1/auth/login', { body: { email: h.email, password: h.password } })).body.access_token });
    expect([noProof.status, noProof.body.code]).toEqual([403, 'invalid_pin_token']);
    const t0 = performance.now();
    expect((await apiA('DELETE', `/api/v1/auth/devices/${tablet.device_id}`, { token: h.token, body: { pin: PIN } })).status).toBe(204);
    await within(stream.ended, 2000, 'the stream did not end within 2 s');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(stream.events.at(-1)?.event).toBe('signed_out');
    for (const api of [apiA, apiB]) {
      const refused = await beat(api, tablet.access_token, { profile_id: h.kidId, title_id: titles.regular });
      expect([refused.status, refused.body.code]).toEqual([401, 'device_revoked']);
    }
    expect((await beat(apiA, phone.access_token, { profile_id: sibling, title_id: titles.regular })).status).toBe(200);
    expect((await apiA('DELETE', `/api/v1/auth/devices/${tablet.device_id}`, { token: h.token, body: { pin: PIN } })).status).toBe(404);
    expect((await apiA('GET', '/api/v1/auth/devices', { token: h.token })).body.items.map((d: { id: string }) => d.id)).toEqual([phone.device_id]);
  });

  it('"sign out all devices" and a PIN reset sign every device out; another household’s devices are untouched', async () => {
    const h = await family();
    const other = await family();
    const theirs = await select(apiA, other.token, other.kidId);
    const first = [await select(apiA, h.token, h.kidId), await select(apiB, h.token, h.kidId)];
    const all = await apiB('DELETE', '/api/v1/auth/devices', { token: h.token, body: { pin: PIN } });
    expect([all.status, all.body.signed_out]).toEqual([200, 2]);
    const second = await select(apiA, h.token, h.kidId);
    const reset = await apiA('POST', '/api/v1/parental-controls/pin/reset', { token: h.token, body: { password: h.password, new_pin: '2718' } });
    expect(reset.status).toBe(200);
    for (const d of [...first, second]) {
      await waitFor(async () => (await apiB('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: d.access_token })).status === 401, 'refused on the other process', 2000);
      expect((await apiA('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: d.access_token })).status).toBe(401);
    }
    expect((await apiB('GET', `/api/v1/viewing-time/balance/${other.kidId}`, { token: theirs.access_token })).status).toBe(200);
    expect((await apiA('GET', '/api/v1/auth/devices', { token: h.token })).body.items).toEqual([]);
    // a restarted process knows who was signed out without being told again
    const c = await startTestService({}, { clock });
    try {
      expect((await client(c.url)('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: second.access_token })).status).toBe(401);
    } finally {
      await c.close();
    }
  });

  it('a logout ends the live streams that login opened', async () => {
    const h = await household(apiA);
    const login = (await apiA('POST', '/api/v1/auth/login', { body: { email: h.email, password: h.password } })).body;
    const stream = await sse(b, '/parental-controls/events', { token: login.access_token });
    const kept = await sse(b, '/parental-controls/events', { token: h.token });
    expect((await apiA('POST', '/api/v1/auth/logout', { body: { refresh_token: login.refresh_token } })).status).toBe(204);
    await within(stream.ended, 2000, 'the stream did not end within 2 s');
    expect(stream.events.at(-1)?.event).toBe('signed_out');
    // the household's other login keeps its stream: a later event still reaches it
    const ask = await apiA('POST', '/api/v1/viewing-time/requests', { token: h.token, body: { profile_id: h.kidId, minutes: 15 } });
    await kept.next((e) => e.event === 'time_request' && e.data.request.id === ask.body.id, 2000);
  });
});
