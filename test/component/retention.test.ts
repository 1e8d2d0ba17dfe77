import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { RETENTION_LOCK_KEY, runRetention, runRetentionOn, runRetentionOnce, startRetentionSchedule } from '../../src/ops/retention.ts';
import { databaseUrl } from '../harness.ts';

// The database is shared with suites running in parallel whose rows carry 2026 dates (real and
// test clocks). Every run here uses a "now" in 2001, so its cut-offs lie before anything of
// theirs: only the rows made here can ever be old enough to go.
const NOW = new Date('2001-06-01T12:00:00Z');
const OLD = '2000-01-10T10:00:00Z'; // older than 90 and 365 days at NOW
const RECENT = '2001-05-30T10:00:00Z';
const OPTS = { now: NOW, sessionsDays: 90, balancesDays: 365, grantsDays: 365, batchSize: 1000 };
const KEY = `${BigInt(RETENTION_LOCK_KEY)}::bigint`;

let pool: pg.Pool;
let userId: string;

const q = (sql: string, args: unknown[] = []) => pool.query(sql, args);

async function newProfile(): Promise<string> {
  const id = randomUUID();
  await q(`insert into profiles (id, user_id, name, is_kids, parental_rating, created_at) values ($1, $2, 'Kid', true, 'PG', now())`, [id, userId]);
  return id;
}

async function session(profile: string, startedAt: string, ended: boolean): Promise<string> {
  const id = randomUUID();
  await q(`insert into viewing_sessions (id, profile_id, device_id, device_type, is_educational, started_at, last_heartbeat_at, ended_at, end_reason)
           values ($1, $2, 'tv-1', 'tv', false, $3, $3, $4, $5)`, [id, profile, startedAt, ended ? startedAt : null, ended ? 'ended' : null]);
  return id;
}

async function balance(profile: string, day: string): Promise<string> {
  const id = randomUUID();
  await q(`insert into viewing_time_balances (id, profile_id, reset_date, day_start, day_end, limit_minutes, updated_at)
           values ($1, $2, $3::date, $3::date, $3::date + 1, 120, now())`, [id, profile, day]);
  return id;
}

async function grant(profile: string, at: string): Promise<string> {
  const id = randomUUID();
  await q(`insert into time_grants (id, profile_id, granted_by_id, minutes, reset_date, granted_at) values ($1, $2, $3, 30, $4::date, $4)`, [id, profile, userId, at]);
  return id;
}

const exists = async (table: string, id: string) => (await q(`select 1 from ${table} where id = $1`, [id])).rowCount === 1;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: databaseUrl(), max: 4 });
  userId = randomUUID();
  await q(`insert into users (id, email, password_hash, created_at) values ($1, $2, 'x', now())`, [userId, `retention-${userId}@test.example`]);
});
afterAll(async () => {
  await q('delete from users where id = $1', [userId]); // cascades to everything made here
  await pool.end();
});

describe('retention', () => {
  it('deletes old ended sessions, old balances and old grants; keeps recent rows and active sessions', async () => {
    const kid = await newProfile();
    const other = await newProfile();
    const oldEnded = await session(kid, OLD, true);
    const oldActive = await session(other, OLD, false); // started long ago and still open: never deleted
    const recentEnded = await session(kid, RECENT, true);
    const oldBalance = await balance(kid, '2000-01-10');
    const recentBalance = await balance(kid, '2001-05-30');
    const oldGrant = await grant(kid, OLD);
    const recentGrant = await grant(kid, RECENT);

    const result = await runRetention(pool, OPTS);

    expect(result.sessions).toBeGreaterThanOrEqual(1);
    expect(result.balances).toBeGreaterThanOrEqual(1);
    expect(result.grants).toBeGreaterThanOrEqual(1);
    expect(await exists('viewing_sessions', oldEnded)).toBe(false);
    expect(await exists('viewing_time_balances', oldBalance)).toBe(false);
    expect(await exists('time_grants', oldGrant)).toBe(false);
    expect(await exists('viewing_sessions', oldActive)).toBe(true);
    expect(await exists('viewing_sessions', recentEnded)).toBe(true);
    expect(await exists('viewing_time_balances', recentBalance)).toBe(true);
    expect(await exists('time_grants', recentGrant)).toBe(true);
  });

  it('works through many rows in small batches, one short statement each', async () => {
    const kid = await newProfile();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await session(kid, `2000-02-0${i + 1}T10:00:00Z`, true));
    const client = await pool.connect();
    const statements: string[] = [];
    const original = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    // observe (not replace) what is sent: the real statements still run against PostgreSQL
    (client as unknown as { query: unknown }).query = (...a: unknown[]) => { statements.push(String(a[0])); return original(...a); };
    try {
      const result = await runRetentionOn(client as pg.PoolClient, { ...OPTS, batchSize: 2 });
      expect(result.sessions).toBeGreaterThanOrEqual(7);
    } finally {
      (client as unknown as { query: unknown }).query = original;
      client.release();
    }
    const sessionDeletes = statements.filter((s) => s.includes('delete from viewing_sessions'));
    expect(sessionDeletes.length).toBeGreaterThanOrEqual(4); // 2 + 2 + 2 + 1: stops at the first short batch
    for (const id of ids) expect(await exists('viewing_sessions', id)).toBe(false);
  });

  it('does nothing while another process holds the lock, and runs once it is released', async () => {
    const kid = await newProfile();
    const old = await session(kid, OLD, true);
    const holder = new pg.Client({ connectionString: databaseUrl() });
    await holder.connect();
    try {
      expect((await holder.query(`select pg_try_advisory_lock(${KEY}) as ok`)).rows[0].ok).toBe(true);
      const logs: string[] = [];
      expect(await runRetentionOnce(pool, OPTS, (m) => logs.push(m))).toBeNull();
      expect(logs.join('\n')).toMatch(/another process/);
      expect(await exists('viewing_sessions', old)).toBe(true);
      await holder.query(`select pg_advisory_unlock(${KEY})`);
      const result = await runRetentionOnce(pool, OPTS);
      expect(result?.sessions).toBeGreaterThanOrEqual(1);
      expect(await exists('viewing_sessions', old)).toBe(false);
      // the runner let go of the lock: someone else can take it now
      expect((await holder.query(`select pg_try_advisory_lock(${KEY}) as ok`)).rows[0].ok).toBe(true);
      await holder.query(`select pg_advisory_unlock(${KEY})`);
    } finally {
      await holder.end();
    }
  });

  it('runs on a schedule, logs its errors instead of throwing, and stops', async () => {
    const kid = await newProfile();
    const old = await session(kid, OLD, true);
    const logs: string[] = [];
    const schedule = startRetentionSchedule(pool, { ...OPTS, intervalMinutes: 60, firstRunDelayMs: 10, clock: () => NOW }, (m) => logs.push(m));
    const deadline = Date.now() + 10_000;
    while (await exists('viewing_sessions', old) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await schedule.stop();
    expect(await exists('viewing_sessions', old)).toBe(false);
    expect(logs).toContain('retention run finished');

    const failing = new pg.Pool({ connectionString: 'postgresql://nobody:wrong@127.0.0.1:1/none', connectionTimeoutMillis: 1000 });
    const errors: string[] = [];
    const bad = startRetentionSchedule(failing, { ...OPTS, intervalMinutes: 60, firstRunDelayMs: 10, clock: () => NOW }, (m) => errors.push(m));
    const until = Date.now() + 10_000;
    while (!errors.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await bad.stop();
    await failing.end();
    expect(errors).toContain('retention run failed');
  });

  it('is off when the interval is 0', async () => {
    const logs: string[] = [];
    const schedule = startRetentionSchedule(pool, { ...OPTS, intervalMinutes: 0, firstRunDelayMs: 1 }, (m) => logs.push(m));
    await new Promise((r) => setTimeout(r, 100));
    await schedule.stop();
    expect(logs).toEqual([]);
  });
});
