import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { dbAnswers } from '../../src/db/db-errors.ts';
import { dropDatabase, ensureDatabase } from '../../src/ops/embedded.ts';
import { createOrm, migrate } from '../../src/ops/orm.ts';
import { client, databaseUrl, newHousehold, startTestService, waitFor, type TestService } from '../harness.ts';

// A database of its own, so switching it off cannot disturb the other suites.
const url = (() => { const u = new URL(databaseUrl()); u.pathname = `/vtime_down_${process.pid}`; return u.toString(); })();
const name = new URL(url).pathname.slice(1);
let admin: pg.Client;
let svc: TestService;

const setAvailable = async (on: boolean) => {
  await admin.query(`alter database ${name} allow_connections ${on}`);
  if (!on) await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
};

beforeAll(async () => {
  await ensureDatabase(url);
  const orm = await createOrm({ url, poolMin: 0, poolMax: 1 });
  await migrate(orm);
  await orm.close();
  const a = new URL(databaseUrl());
  a.pathname = '/postgres';
  admin = new pg.Client({ connectionString: a.toString() });
  await admin.connect();
  svc = await startTestService({}, { databaseUrl: url });
});
afterAll(async () => {
  await setAvailable(true);
  await svc.close();
  await admin.end();
  await dropDatabase(url);
}, 60_000); // a service closing after an outage: room for busy cores

/** A household with a kid who started watching a title of its own (the database answering). */
async function watching(api: ReturnType<typeof client>) {
  const h = await newHousehold(api);
  const kid = await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Kid', is_kids: true } });
  const titleId = randomUUID();
  const own = new pg.Client({ connectionString: url });
  await own.connect();
  await own.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'T', 10, 'G', now())`, [titleId]);
  await own.end();
  const body = { profile_id: kid.body.id, title_id: titleId, device_id: 'tv' };
  const started = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body });
  return { h, body, started };
}

describe('database unavailable', () => {
  it('ready is 200, then 503 with Retry-After while the database refuses, then 200 again; requests get 503, never 500', async () => {
    const api = client(svc.url);
    expect((await api('GET', '/health/ready')).status).toBe(200);
    const { h, body, started } = await watching(api);
    expect(started.body.enforcement).toBe('allowed');
    await setAvailable(false);
    const hb = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: { ...body, session_id: started.body.session_id } });
    expect(hb.status).toBe(503); // never a false "allowed"
    expect(hb.headers.get('retry-after')).toBeTruthy();
    const ready = await api('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    const login = await api('POST', '/api/v1/auth/login', { body: { email: 'someone@example.com', password: 'whatever pw' } });
    expect(login.status).toBe(503);
    expect(login.body.code).toBe('database_unavailable');
    expect(login.headers.get('retry-after')).toBeTruthy();
    await setAvailable(true);
    expect((await api('GET', '/health/ready')).status).toBe(200);
  });

  it('a demoted primary (writes refused with SQLSTATE 25006): writes get 503 with Retry-After, never 500; reads still answer; counted in db.unavailable_503', async () => {
    const api = client(svc.url);
    const { h, body, started } = await watching(api);
    expect(started.status).toBe(200);
    const before = dbAnswers.unavailable503;
    // what a primary turned standby answers: every new session is read-only
    await admin.query(`alter database ${name} set default_transaction_read_only = on`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    try {
      const beats = [];
      for (let i = 0; i < 3; i++) beats.push(await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: { ...body, session_id: started.body.session_id } }));
      expect(beats.map((b) => [b.status, b.body.code, !!b.headers.get('retry-after')])).toEqual(beats.map(() => [503, 'database_unavailable', true]));
      const register = await api('POST', '/api/v1/auth/register', { body: { email: `ro-${randomUUID()}@example.com`, password: 'a good password' } });
      expect([register.status, register.body.code]).toEqual([503, 'database_unavailable']);
      expect((await api('GET', '/api/v1/auth/me', { token: h.access })).status).toBe(200); // a read still answers
      expect(dbAnswers.unavailable503 - before).toBe(4);
    } finally {
      await admin.query(`alter database ${name} reset default_transaction_read_only`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    }
    // A pooled connection killed above may still be handed out once before the pool notices, and
    // that beat answers 503 like any other lost connection; the player retries, and within
    // seconds beats are credited again.
    const back = await waitFor(async () => {
      const r = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: { ...body, session_id: started.body.session_id } });
      expect([200, 503]).toContain(r.status);
      return r.status === 200 && r;
    }, 'a heartbeat credited again once writes are allowed', 10_000, 200);
    expect(back.body.enforcement).toBe('allowed');
  });
});
