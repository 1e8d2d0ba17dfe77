// The database server restarts under a running service (SPEC §6): while it is down every request
// is a 503 with Retry-After, never a 500, and nothing crashes; once it is back the pool opens new
// connections, the LISTEN connection comes back (caches flushed) and the same player plays on.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dbAnswers } from '../../src/db/db-errors.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/ops/embedded.ts';
import { createOrm, migrate } from '../../src/ops/orm.ts';
import { client, newHousehold, startTestService, TestClock, waitFor, type TestService } from '../harness.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'vtime-restart-'));
let server: EmbeddedDatabase;
let svc: TestService;
const clock = new TestClock('2026-11-25T10:00:00Z');

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir: dir, database: 'vtime_restart', persistent: true });
  const orm = await createOrm({ url: server.url, poolMin: 0, poolMax: 1 });
  await migrate(orm);
  await orm.close();
  svc = await startTestService({ DB_POOL_MIN: '2' }, { databaseUrl: server.url, clock });
}, 60_000);

afterAll(async () => {
  await svc?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000); // a service and a database server closing after a restart: room for busy cores

it('a restart of the database server: 503s while it is down, then the same session beats on, through new connections and a new listener', async () => {
  const api = client(svc.url);
  const h = await newHousehold(api);
  const kid = (await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Kid', is_kids: true } })).body.id as string;
  const titleId = randomUUID();
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'T', 10, 'G', now())`, [titleId]);
  await db.end();
  const beat = (session?: string) => api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: { profile_id: kid, title_id: titleId, device_id: 'tv', session_id: session } });
  const started = await beat();
  expect(started.status).toBe(200);
  const reconnectsBefore = svc.logLines.filter((l) => String(l.msg).startsWith('invalidation listener reconnected')).length;
  await server.restart(async () => {
    clock.advance(30);
    const down = await beat(started.body.session_id);
    expect([down.status, down.body.code, !!down.headers.get('retry-after')]).toEqual([503, 'database_unavailable', true]);
    const me = await api('GET', '/api/v1/auth/me', { token: h.access });
    expect(me.status).toBe(503);
  });
  // back: the pool's broken connections are replaced and the listener reconnects on its own
  const back = await waitFor(async () => {
    const r = await beat(started.body.session_id);
    return r.status === 200 ? r : undefined;
  }, 'a heartbeat answered after the restart', 15_000, 200);
  expect(back.body).toMatchObject({ session_id: started.body.session_id, enforcement: 'allowed' });
  await waitFor(() => svc.logLines.filter((l) => String(l.msg).startsWith('invalidation listener reconnected')).length > reconnectsBefore || undefined,
    'the LISTEN connection back', 15_000, 100);
  expect(dbAnswers.primaryAddress).toBe('127.0.0.1');
  expect(svc.logLines.filter((l) => (l.level as number) >= 50)).toEqual([]); // no error lines: 503s are warnings
});
