// SPEC §3 Login: password attempts limited per account and per client address, counted before
// bcrypt runs, answered alike whether the account exists or not.
import pg from 'pg';
import { client, databaseUrl, newHousehold, startTestService, uniqueEmail, type TestService } from '../harness.ts';

let svc: TestService;
let api: ReturnType<typeof client>;
let db: pg.Client;
let octet = 0;
/** A client address of its own for each use (TEST-NET-3), so tests never share a per-address count. */
const address = () => `203.0.113.${++octet}`;

beforeAll(async () => {
  // the test client is the "proxy": X-Forwarded-For names the client; 5 failures per address
  // and a wait budget the test's bursts never exceed: what refuses them here is the limit, not a busy pool
  svc = await startTestService({ WORKER_THREADS: '2', WORKER_MAX_WAIT_MS: '60000', TRUST_PROXY: '127.0.0.1', LOGIN_MAX_FAILURES_PER_ADDRESS: '5' });
  api = client(svc.url);
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await svc.close();
});

const login = (email: string, password: string, from = address()) =>
  api('POST', '/api/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': `198.51.100.200, ${from}` } });
const checksRun = () => svc.accounts.stats.checks;

describe('login attempts', () => {
  it('30 parallel wrong logins for one account run at most 10 bcrypt checks; the rest are 429 with Retry-After', async () => {
    const h = await newHousehold(api);
    const before = checksRun();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(h.email, `wrong password ${i}`)));
    expect(checksRun() - before).toBeLessThanOrEqual(10);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(20);
    for (const r of refused) {
      expect(r.body.code).toBe('login_throttled');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // locked for the window: even the right password waits
    const right = await login(h.email, h.password);
    expect([right.status, right.body.code]).toEqual([429, 'login_throttled']);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
  });

  it('an unknown email gets the same answers and costs the same bcrypt check', async () => {
    const h = await newHousehold(api);
    const ghost = uniqueEmail('ghost');
    const seen: { known: unknown[]; unknown: unknown[] } = { known: [], unknown: [] };
    for (let i = 0; i < 11; i++) {
      for (const [who, email] of [['known', h.email], ['unknown', ghost]] as const) {
        const before = checksRun();
        const r = await login(email, 'not the password');
        const ran = checksRun() - before;
        seen[who].push({ status: r.status, body: { ...r.body, detail: r.body.detail.replace(/\d+ s/, 'N s') }, ran, retry: r.headers.get('retry-after') !== null });
      }
    }
    expect(seen.unknown).toEqual(seen.known);
    expect(seen.known.slice(0, 10)).toEqual(Array(10).fill({ status: 401, body: { detail: 'incorrect email or password', code: 'invalid_credentials' }, ran: 1, retry: false }));
    expect(seen.known[10]).toMatchObject({ status: 429, ran: 0, retry: true });
  });

  it('a correct password starts the count of the account again', async () => {
    const h = await newHousehold(api);
    for (let i = 0; i < 9; i++) expect((await login(h.email, 'wrong password')).status).toBe(401);
    expect((await login(h.email, h.password)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await login(h.email, 'wrong password')).status).toBe(401);
    expect((await login(h.email, h.password)).status).toBe(200);
  });

  it('each further lockout of an account doubles', async () => {
    const h = await newHousehold(api);
    const key = `account:${h.email.toLowerCase()}`;
    const lockedFor = async () => {
      const { rows } = await db.query('select extract(epoch from locked_until - updated_at)::int as s from login_throttles where key = $1', [key]);
      return rows[0].s as number;
    };
    for (let i = 0; i < 10; i++) await login(h.email, 'wrong password');
    expect(await lockedFor()).toBe(15 * 60);
    // the lockout has run out (moved into the past), ten more failures lock for twice as long
    await db.query(`update login_throttles set locked_until = now() - interval '1 second', window_started_at = now() - interval '1 hour' where key = $1`, [key]);
    for (let i = 0; i < 10; i++) expect((await login(h.email, 'wrong password')).status).toBe(401);
    expect((await login(h.email, 'wrong password')).status).toBe(429);
    expect(await lockedFor()).toBe(30 * 60);
  });

  it('limits each client address across accounts, from the X-Forwarded-For entry of the trusted proxy', async () => {
    const from = address();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await login(uniqueEmail('spray'), 'password spraying', from)).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
    // another client behind the same proxy is not affected
    expect((await login(uniqueEmail('spray'), 'password spraying', address())).status).toBe(401);
    const { rows } = await db.query('select failures, locked_until is not null as locked from login_throttles where key = $1', [`address:${from}`]);
    expect(rows[0]).toEqual({ failures: 0, locked: true });
    // the spoofed left-most entry the client wrote itself was never counted
    expect((await db.query(`select 1 from login_throttles where key = 'address:198.51.100.200'`)).rowCount).toBe(0);
  });

  it('a login refused as busy by the worker pool is not counted', async () => {
    const busy = await startTestService({ WORKER_THREADS: '1', WORKER_MAX_WAIT_MS: '10', TRUST_PROXY: '127.0.0.1' });
    try {
      const c = client(busy.url);
      const h = await newHousehold(c);
      const hash = await busy.pool.hash('x', 12);
      await busy.pool.verify('x', hash); // measured: a cost-12 check
      const occupied = Promise.all([busy.pool.verify('x', hash), busy.pool.verify('x', hash).catch(() => false)]);
      const r = await c('POST', '/api/v1/auth/login', { body: { email: h.email, password: 'wrong password' }, headers: { 'x-forwarded-for': address() } });
      await occupied;
      expect([r.status, r.body.code]).toEqual([429, 'busy']);
      const { rowCount } = await db.query('select 1 from login_throttles where key = $1', [`account:${h.email.toLowerCase()}`]);
      expect(rowCount).toBe(0);
    } finally {
      await busy.close();
    }
  });
});

