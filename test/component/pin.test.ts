import { client, startTestService, TestClock, type TestService } from '../harness.ts';
import { createTitles, household, type Api } from './viewing-time.fixtures.ts';

const clock = new TestClock('2026-11-25T10:00:00Z');
let svc: TestService;
let api: Api;

beforeAll(async () => {
  // a wait budget the bursts here never exceed: what must refuse them is the attempt limit, even on
  // a machine busy with other suites (admission control has its own suite below)
  svc = await startTestService({ WORKER_THREADS: '2', WORKER_MAX_WAIT_MS: '60000' }, { clock });
  api = client(svc.url);
  await createTitles();
});
afterAll(() => svc.close());
beforeEach(() => clock.set('2026-11-25T10:00:00Z'));

async function withPin(pin = '4821') {
  const h = await household(api);
  const set = await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: pin } });
  expect([set.status, set.body.detail]).toEqual([200, 'PIN set']);
  return h;
}
const verify = (token: string, pin: string) => api('POST', '/api/v1/parental-controls/pin/verify', { token, body: { pin } });

describe('PIN', () => {
  it('is exactly 4 digits', async () => {
    const h = await household(api);
    for (const bad of ['123', '12345', 'abcd', '12 4']) {
      const r = await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: bad } });
      expect(r.status).toBe(422);
      expect(r.body.field).toBe('new_pin');
    }
  });

  it('a burst of 20 parallel wrong guesses runs at most 5 bcrypt checks and locks', async () => {
    const h = await withPin();
    const before = { ...svc.pins.stats };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => verify(h.token, String(1000 + i))));
    const ran = svc.pins.stats.verifications - before.verifications;
    expect(ran).toBe(5);
    // five checks were under way or failed: the rest were refused before bcrypt, while checks ran (429) or once locked (423)
    expect(answers.filter((a) => a.status === 403 || (a.status === 423 && a.body.code === 'pin_locked')).length).toBe(5);
    expect(answers.filter((a) => a.status !== 403).every((a) => (a.status === 429 && a.body.code === 'pin_checks_busy' && a.headers.get('retry-after') === '1') || a.status === 423)).toBe(true);
    const status = await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token });
    expect(status.body.locked_until).toBe('2026-11-25T10:30:00.000Z');
    const right = await verify(h.token, '4821'); // even the right PIN is refused while locked
    expect(right.status).toBe(423);
    expect(right.body.locked_until).toBe('2026-11-25T10:30:00.000Z');
    expect(right.headers.get('x-locked-until')).toBe('2026-11-25T10:30:00.000Z');
  });

  it('parallel checks with the correct PIN never lock it: each is answered 200 or asked to retry (429), and the PIN stays open', async () => {
    const h = await withPin();
    const before = { ...svc.pins.stats };
    const answers = await Promise.all(Array.from({ length: 12 }, () => verify(h.token, '4821')));
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(svc.pins.stats.verifications - before.verifications).toBeLessThanOrEqual(12);
    expect(svc.pins.stats.lockouts - before.lockouts).toBe(0);
    const status = (await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body;
    expect(status).toMatchObject({ locked_until: null, failed_attempts: 0 });
    // with four wrong guesses behind it, the right PIN still opens it and clears them
    for (let i = 0; i < 4; i++) expect((await verify(h.token, '0000')).status).toBe(403);
    expect((await verify(h.token, '4821')).status).toBe(200);
    expect((await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body).toMatchObject({ locked_until: null, failed_attempts: 0 });
  });

  it('two simultaneous first PIN set-ups: one is set (200), the other gets 409, and only the winner works', async () => {
    const h = await household(api);
    const [a, b] = await Promise.all(['1111', '2222'].map((p) => api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: p } })));
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [winner, loser] = a.status === 200 ? ['1111', '2222'] : ['2222', '1111'];
    expect((a.status === 409 ? a : b).body.code).toBe('pin_already_set');
    expect((await verify(h.token, winner)).status).toBe(200);
    expect((await verify(h.token, loser)).status).toBe(403);
  });

  it('a PIN change, reset or lock ends every PIN token and every PIN-verified login at once', async () => {
    const h = await withPin('4821');
    const other = (await api('POST', '/api/v1/auth/login', { body: { email: h.email, password: h.password } })).body.access_token as string;
    const put = (token: string, body: Record<string, unknown>) => api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token, body: { weekday_limit_minutes: 60, weekend_limit_minutes: 60, ...body } });
    const ends: [string, () => Promise<unknown>, string][] = [
      ['change', () => api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '1357', current_pin: '4821' } }), '1357'],
      ['reset', () => api('POST', '/api/v1/parental-controls/pin/reset', { token: h.token, body: { password: h.password, new_pin: '2468' } }), '2468'],
      ['lock', () => api('POST', '/api/v1/parental-controls/pin/lock', { token: other }), '2468'],
    ];
    let pin = '4821';
    for (const [what, end, next] of ends) {
      const { pin_token } = (await verify(h.token, pin)).body;
      expect((await verify(other, pin)).status).toBe(200); // the other login is PIN-verified too
      expect([what, (await put(h.token, { pin_token })).status, (await put(other, {})).status]).toEqual([what, 200, 200]);
      await end();
      pin = next;
      const stale = await put(h.token, { pin_token });
      expect([what, stale.status, stale.body.code]).toEqual([what, 403, 'invalid_pin_token']);
      expect([what, (await put(other, {})).status]).toEqual([what, 403]);
    }
  });

  it('the PIN-verified login: 5 minutes, carried across a refresh, never inherited by a new login', async () => {
    const h = await withPin('4821');
    const login = (await api('POST', '/api/v1/auth/login', { body: { email: h.email, password: h.password } })).body;
    const put = (token: string) => api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token, body: { educational_exempt: false } });
    expect((await put(login.access_token)).status).toBe(403);
    expect((await verify(login.access_token, '4821')).status).toBe(200);
    expect((await put(login.access_token)).status).toBe(200);
    const refreshed = (await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: login.refresh_token } })).body;
    expect((await put(refreshed.access_token)).status).toBe(200); // the refresh keeps the window
    const fresh = (await api('POST', '/api/v1/auth/login', { body: { email: h.email, password: h.password } })).body.access_token;
    expect((await put(fresh)).status).toBe(403); // a new login starts unverified
    clock.advance(4 * 60 + 59);
    expect((await put(refreshed.access_token)).status).toBe(200);
    clock.advance(2);
    expect((await put(refreshed.access_token)).status).toBe(403); // 5 minutes after the verify
  });

  it('each further lockout doubles until a correct PIN', async () => {
    const h = await withPin();
    const lockOut = async () => { for (let i = 0; i < 5; i++) await verify(h.token, '0000'); };
    await lockOut();
    expect((await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body.locked_until).toBe('2026-11-25T10:30:00.000Z');
    clock.set('2026-11-25T10:31:00Z');
    await lockOut();
    expect((await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body.locked_until).toBe('2026-11-25T11:31:00.000Z');
    clock.set('2026-11-25T11:32:00Z');
    await lockOut();
    expect((await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body.locked_until).toBe('2026-11-25T13:32:00.000Z');
    clock.set('2026-11-25T13:33:00Z');
    expect((await verify(h.token, '4821')).status).toBe(200); // a correct PIN resets the doubling
    await lockOut();
    expect((await api('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body.locked_until).toBe('2026-11-25T14:03:00.000Z');
  });

  it('the change and grant paths obey the lockout too', async () => {
    const h = await withPin();
    for (let i = 0; i < 5; i++) await verify(h.token, '0000');
    const change = await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '1111', current_pin: '4821' } });
    expect(change.status).toBe(423);
    const grant = await api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time/grant`, { token: h.token, body: { minutes: 30, pin: '4821' } });
    expect(grant.status).toBe(423);
    const put = await api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token, body: { weekday_limit_minutes: 240, pin: '4821' } });
    expect(put.status).toBe(423);
    clock.set('2026-11-25T10:31:00Z');
    const missing = await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '1111' } });
    expect([missing.status, missing.body.code]).toEqual([400, 'current_pin_required']);
    const wrong = await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '1111', current_pin: '0000' } });
    expect([wrong.status, wrong.body.code]).toEqual([400, 'current_pin_incorrect']);
    expect((await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '1111', current_pin: '4821' } })).body).toEqual({ detail: 'PIN changed' });
    expect((await verify(h.token, '1111')).status).toBe(200);
  });

  it('verify answers take at least 200 ms, right or wrong', async () => {
    const h = await withPin();
    for (const pin of ['4821', '9999']) {
      const t0 = performance.now();
      await verify(h.token, pin);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(199);
    }
  });

  it('verify answers that run no bcrypt at all take at least 200 ms too: locked (423) and no PIN (400)', async () => {
    const lockedOut = await withPin();
    for (let i = 0; i < 5; i++) await verify(lockedOut.token, '0000');
    const noPin = await household(api);
    for (const [token, status] of [[lockedOut.token, 423], [noPin.token, 400]] as const) {
      const t0 = performance.now();
      const r = await verify(token, '4821');
      const ms = performance.now() - t0;
      expect(r.status).toBe(status);
      expect(ms).toBeGreaterThanOrEqual(199);
    }
  });

  it('a PIN token is not an access token, nor an access token a PIN token', async () => {
    const h = await withPin();
    const { pin_token } = (await verify(h.token, '4821')).body;
    expect(pin_token).toEqual(expect.any(String));
    expect((await api('GET', '/api/v1/auth/me', { token: pin_token })).status).toBe(401);
    const asPinToken = await api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token, body: { weekday_limit_minutes: 60, pin_token: h.token } });
    expect([asPinToken.status, asPinToken.body.code]).toEqual([403, 'invalid_pin_token']); // never a 401: the old app would refresh and retry
    const ok = await api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token, body: { weekday_limit_minutes: 60, pin_token } });
    expect(ok.status).toBe(200);
  });

  it('another household’s PIN token is refused', async () => {
    const a = await withPin('1234');
    const b = await withPin('5678');
    const { pin_token } = (await verify(b.token, '5678')).body;
    const r = await api('PUT', `/api/v1/parental-controls/profiles/${a.kidId}/viewing-time`, { token: a.token, body: { weekday_limit_minutes: 60, pin_token } });
    expect([r.status, r.body.code]).toEqual([403, 'invalid_pin_token']);
  });

  it('reset needs the account password and has its own attempt limit', async () => {
    const h = await withPin();
    const wrong = await api('POST', '/api/v1/parental-controls/pin/reset', { token: h.token, body: { password: 'not my password', new_pin: '2222' } });
    expect(wrong.status).toBe(403);
    for (let i = 0; i < 4; i++) await api('POST', '/api/v1/parental-controls/pin/reset', { token: h.token, body: { password: 'nope nope', new_pin: '2222' } });
    const lockedOut = await api('POST', '/api/v1/parental-controls/pin/reset', { token: h.token, body: { password: h.password, new_pin: '2222' } });
    expect(lockedOut.status).toBe(423);
    clock.set('2026-11-25T10:31:00Z');
    const reset = await api('POST', '/api/v1/parental-controls/pin/reset', { token: h.token, body: { password: h.password, new_pin: '2222' } });
    expect([reset.status, reset.body.detail]).toEqual([200, 'PIN reset']);
    expect((await verify(h.token, '2222')).status).toBe(200);
  });

  it('no PIN set: verify is a 400 whose message says "No PIN set", and settings changes need PIN proof', async () => {
    const h = await household(api);
    const v = await verify(h.token, '0000'); // the old parent page's probe
    expect([v.status, v.body.code]).toEqual([400, 'pin_not_set']);
    expect(v.body.detail).toMatch(/no pin/i);
    const r = await api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token, body: { weekday_limit_minutes: 60 } });
    expect([r.status, r.body.code]).toEqual([403, 'invalid_pin_token']);
  });

  it('PINs never reach the logs', async () => {
    const h = await withPin('7351');
    await verify(h.token, '7351');
    // as a value anywhere in a log line (ids and tokens may contain the digits by chance)
    expect(JSON.stringify(svc.logLines)).not.toMatch(/[":=\s]7351["\s,}]/);
  });
});

describe('PIN checks when the worker pool is busy', () => {
  let busySvc: TestService;
  let busyApi: Api;
  // one thread and a 10 ms wait budget: while it runs one hash, any other check is refused
  beforeAll(async () => {
    busySvc = await startTestService({ WORKER_THREADS: '1', WORKER_MAX_WAIT_MS: '10' }, { clock });
    busyApi = client(busySvc.url);
  });
  afterAll(() => busySvc.close());

  it('a verify refused with 429 (busy) is not counted against the account, and still takes 200 ms', async () => {
    const h = await household(busyApi);
    expect((await busyApi('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '4821' } })).status).toBe(200);
    const hash = await busySvc.pool.hash('x', 12);
    await busySvc.pool.verify('x', hash); // the pool has measured a cost-12 check (~250 ms)
    const occupied = Promise.all([busySvc.pool.verify('x', hash), busySvc.pool.verify('x', hash).catch(() => false)]);
    const t0 = performance.now();
    const r = await busyApi('POST', '/api/v1/parental-controls/pin/verify', { token: h.token, body: { pin: '0000' } });
    const ms = performance.now() - t0;
    await occupied;
    expect([r.status, r.body.code]).toEqual([429, 'busy']);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ms).toBeGreaterThanOrEqual(199);
    const status = await busyApi('GET', '/api/v1/parental-controls/pin/status', { token: h.token });
    expect(status.body).toMatchObject({ failed_attempts: 0, locked_until: null });
    // and once the pool is free, the same wrong PIN is counted
    expect((await busyApi('POST', '/api/v1/parental-controls/pin/verify', { token: h.token, body: { pin: '0000' } })).status).toBe(403);
    expect((await busyApi('GET', '/api/v1/parental-controls/pin/status', { token: h.token })).body.failed_attempts).toBe(1);
  });
});
