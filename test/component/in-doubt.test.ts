// A heartbeat batch whose commit is in doubt (SPEC §6): a TCP proxy between the service and
// PostgreSQL forwards the heartbeat statement, lets PostgreSQL commit it, and closes the service's
// side before the answer arrives. The service sends the same batch again on a new connection with
// each beat's original p_now: the beats credit once, by seq or by server-timed credit.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { dbAnswers } from '../../src/db/db-errors.ts';
import { dropDatabase, ensureDatabase } from '../../src/ops/embedded.ts';
import { createOrm, migrate } from '../../src/ops/orm.ts';
import { client, databaseUrl, newHousehold, startTestService, TestClock, type TestService } from '../harness.ts';

const url = (() => { const u = new URL(databaseUrl()); u.pathname = `/vtime_doubt_${process.pid}`; return u.toString(); })();
let svc: TestService;
let db: pg.Client;
let proxy: net.Server;
const clock = new TestClock('2026-11-25T10:00:00Z');
/** Set: the next answer to a message naming the marker is never delivered; the connection is cut instead. */
let armed: string | null = null;
let cut = 0;
/** Set: the answer to the next message naming the marker is held back until `release` runs (a database that hangs). */
let hold: string | null = null;
let release: (() => void) | null = null;

/** A byte-level proxy: the client's bytes go through; the server's answer to an armed statement does not. */
function startProxy(target: URL): Promise<number> {
  proxy = net.createServer((down) => {
    const up = net.connect(Number(target.port || 5432), target.hostname);
    let doomed = false;
    let held: Buffer[] | null = null;
    down.on('data', (b) => {
      if (armed && b.includes(armed)) { doomed = true; armed = null; }
      if (hold && b.includes(hold)) {
        hold = null;
        held = [];
        release = () => { for (const x of held ?? []) down.write(x); held = null; };
      }
      up.write(b);
    });
    up.on('data', (b) => {
      if (held) { held.push(b); return; }
      if (doomed) { // PostgreSQL has run (and committed) the statement: its answer is lost with the connection
        cut++;
        down.destroy();
        up.destroy();
        return;
      }
      down.write(b);
    });
    const end = () => { down.destroy(); up.destroy(); };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  await ensureDatabase(url);
  const orm = await createOrm({ url, poolMin: 0, poolMax: 1 });
  await migrate(orm);
  await orm.close();
  const target = new URL(url);
  const port = await startProxy(target);
  const via = new URL(url);
  via.hostname = '127.0.0.1';
  via.port = String(port);
  svc = await startTestService({}, { databaseUrl: via.toString(), clock });
  db = new pg.Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  await svc?.close();
  await db?.end();
  proxy?.close();
  await dropDatabase(url);
});

describe('a heartbeat batch in doubt', () => {
  for (const withSeq of [true, false]) {
    it(`is sent again on a new connection and credits once (${withSeq ? 'beats with seq' : 'an old app: no seq, server-timed credit'}); the beat counts 2 round trips`, async () => {
      const api = client(svc.url);
      const h = await newHousehold(api);
      const kid = (await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Kid', is_kids: true } })).body.id as string;
      const titleId = randomUUID();
      await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'T', 10, 'G', now())`, [titleId]);
      const body = (seq: number, session?: string) => ({ profile_id: kid, title_id: titleId, device_id: 'tv', session_id: session, ...(withSeq ? { seq } : {}) });
      const start = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: body(1) });
      expect(start.status).toBe(200);
      clock.advance(30);
      expect((await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: body(2, start.body.session_id) })).body.used_minutes).toBe(0.5);
      const [cutBefore, retriesBefore] = [cut, dbAnswers.inDoubtRetries];
      armed = 'vt_heartbeats';
      clock.advance(30);
      const doubted = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: body(3, start.body.session_id) });
      expect([cut - cutBefore, dbAnswers.inDoubtRetries - retriesBefore]).toEqual([1, 1]);
      expect(doubted.status).toBe(200);
      expect(doubted.body).toMatchObject({ session_id: start.body.session_id, used_minutes: 1 });
      expect(Number(doubted.headers.get('x-db-ops'))).toBe(2);
      const { rows } = await db.query('select used_seconds from viewing_time_balances where profile_id = $1', [kid]);
      expect(rows.map((r) => r.used_seconds)).toEqual([60]); // 30 + 30, not 30 + 30 + 30
      clock.advance(30);
      expect((await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: body(4, start.body.session_id) })).body.used_minutes).toBe(1.5);
    });
  }

  it('while a statement hangs, a beat waiting behind it is answered 503 within 5 s; the hanging one is not stopped and answers once the database does', async () => {
    const api = client(svc.url);
    const h = await newHousehold(api);
    const kids: string[] = [];
    for (const name of ['A', 'B']) kids.push((await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name, is_kids: true } })).body.id as string);
    const titleId = randomUUID();
    await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'T', 10, 'G', now())`, [titleId]);
    const sessions: string[] = [];
    for (const kid of kids) sessions.push((await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: { profile_id: kid, title_id: titleId, device_id: kid, seq: 1 } })).body.session_id);
    clock.advance(30);
    hold = 'vt_heartbeats';
    const beat = (i: number) => api('POST', '/api/v1/viewing-time/heartbeat', { token: h.access, body: { profile_id: kids[i], title_id: titleId, device_id: kids[i], session_id: sessions[i], seq: 2 } });
    const first = beat(0); // sent, and its answer held back
    while (!release) await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const second = await beat(1); // waits behind the statement in flight
    const waited = performance.now() - t0;
    expect([second.status, second.body.code, second.headers.get('retry-after')]).toEqual([503, 'database_unavailable', '5']);
    expect(waited).toBeGreaterThanOrEqual(3_500); // the service's deadline is 4 s after arrival
    expect(waited).toBeLessThan(6_000); // 5 s, and room for a busy machine
    release!();
    release = null;
    const answered = await first;
    expect([answered.status, answered.body.used_minutes]).toEqual([200, 0.5]);
    // the withdrawn beat was never sent: it goes again, and credits its stretch
    expect((await beat(1)).body).toMatchObject({ used_minutes: 0.5 });
  });
});
