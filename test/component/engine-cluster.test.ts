// Heartbeat engine on 4 service processes with empty caches (SPEC §7, C-02): every beat is one
// round trip, except at most one per profile per viewing day, whichever process serves it; the
// X-DB-Ops headers are checked against PostgreSQL's own count of vt_heartbeats executions.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dropDatabase, ownDatabase, request, startCluster, type Answer, type RunningCluster } from '../cluster-harness.ts';
import { TestClock, uniqueEmail, waitFor } from '../harness.ts';

const VIEWERS = 200;
const BEATS = 10;
let cluster: RunningCluster;
let db: pg.Client;
let clock: TestClock;
let adminToken: string;
const titleId = randomUUID();
const viewers: { token: string; profileId: string; session?: string; seq: number }[] = [];

/** Runs fn over items, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]); }));
}

/**
 * Registers, retrying as a client must when the worker pool is busy (429 + Retry-After): four
 * processes starting on two cores leave the idle-priority bcrypt threads little CPU at first.
 */
async function register(email: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const r = await request(cluster.url, 'POST', '/api/v1/auth/register', { body: { email, password: 'four processes' } });
    if (r.status !== 429 || attempt >= 20) return r.body.access_token;
    await new Promise((resolve) => setTimeout(resolve, 250 * Number(r.headers['retry-after'] ?? 1)));
  }
}

const functionCalls = async () => Object.fromEntries((await db.query(
  `select funcname, calls::int from pg_stat_user_functions where funcname in ('vt_heartbeats', 'vt_beat')`)).rows.map((r) => [r.funcname, r.calls]));

beforeAll(async () => {
  const url = await ownDatabase('vtime_engine');
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`alter database ${pg.escapeIdentifier(new URL(url).pathname.slice(1))} set track_functions = 'pl'`); // the cluster's connections count calls
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Four Processes', 20, 'G', now())`, [titleId]);
  clock = new TestClock('2026-11-25T10:00:00Z', path.join(mkdtempSync(path.join(os.tmpdir(), 'vtime-clock-')), 'now'));
  cluster = await startCluster(url, { CLUSTER_WORKERS: '4', DB_POOL_MAX: '5', TEST_CLOCK_FILE: clock.file! });
  const admin = uniqueEmail('engine-admin');
  adminToken = await register(admin);
  await db.query('update users set is_admin = true where email = $1', [admin]);
  const households = Array.from({ length: VIEWERS / 2 }, (_, i) => i);
  await pool(households, 10, async () => {
    const token = await register(uniqueEmail('engine'));
    for (const name of ['A', 'B']) {
      viewers.push({ token, profileId: (await request(cluster.url, 'POST', '/api/v1/auth/profiles', { token, body: { name, is_kids: true } })).body.id, seq: 0 });
    }
  });
}, 120_000);

afterAll(async () => {
  if (cluster?.child.exitCode === null) await cluster.stop('SIGKILL');
  await db?.end();
  if (cluster) await dropDatabase(cluster.dbUrl);
});

describe('4 processes, caches empty, 200 viewers × 10 beats round robin', () => {
  it('every beat is 1 round trip but at most one per profile per viewing day, and PostgreSQL counts the same statements', async () => {
    expect(await functionCalls()).toEqual({}); // nothing has beaten yet
    const answers: (Answer & { profileId: string })[] = [];
    for (let round = 0; round < BEATS; round++) {
      await pool(viewers, 40, async (v) => {
        const a = await request(cluster.url, 'POST', '/api/v1/viewing-time/heartbeat', {
          token: v.token, body: { profile_id: v.profileId, session_id: v.session, title_id: titleId, device_id: `tv-${v.profileId}`, seq: ++v.seq },
        });
        expect(a.status).toBe(200);
        v.session = a.body.session_id;
        answers.push({ ...a, profileId: v.profileId });
      });
      clock.advance(30);
    }
    const ops = answers.map((a) => Number(a.headers['x-db-ops']));
    const extra = answers.filter((a, i) => ops[i] !== 1);
    expect(new Set(answers.map((a) => a.servedBy)).size).toBe(4);
    expect(extra.every((a) => Number(a.headers['x-db-ops']) === 2)).toBe(true);
    const extraPerProfile = new Map<string, number>();
    for (const a of extra) extraPerProfile.set(a.profileId, (extraPerProfile.get(a.profileId) ?? 0) + 1);
    expect(Math.max(0, ...extraPerProfile.values())).toBeLessThanOrEqual(1); // one viewing day: at most one extra each
    expect(extra.length).toBeLessThanOrEqual(VIEWERS);

    // the service's own count, merged over the 4 processes: the statements it sent and the beats
    // they carried, which must be the round trips the headers charged
    const charged = ops.reduce((a, n) => a + n, 0);
    const m = await waitFor(async () => {
      const x = (await request(cluster.url, 'GET', '/api/v1/admin/metrics', { token: adminToken })).body;
      return x.processes_reporting === 4 && x.heartbeat.heartbeats_per_statement.beats_carried === charged && x;
    }, 'every process publishing the beats it carried', 10_000, 100);
    expect(m.processes_reporting).toBe(4);
    expect(m.heartbeat.heartbeats_per_statement.beats_carried).toBe(charged);
    expect(m.heartbeat.statements).toBeLessThan(charged); // 40 viewers at a time: beats did share statements
    // PostgreSQL's own count, flushed when the processes' connections close: every heartbeat
    // statement is one call of vt_heartbeats, a lone beat's too
    expect(await cluster.stop('SIGTERM')).toBe(0);
    const calls = await functionCalls();
    expect(calls.vt_heartbeats).toBe(m.heartbeat.statements);
    expect(calls.vt_beat).toBeGreaterThanOrEqual(VIEWERS); // the starts (and the first beat of each day) go one by one
  }, 120_000);
});
