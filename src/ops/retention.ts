// Retention: deletes viewing history (and live events, kept 24 h) past its keep-time in small batches, one runner at a time
// across the whole deployment (a PostgreSQL advisory lock, so it holds under the cluster, PM2 and
// several machines alike).
import { Cron } from 'croner';
import type pg from 'pg';
import { IDEMPOTENCY_KEEP_HOURS } from '../http/idempotency.ts';

export interface RetentionOptions {
  now: Date;
  sessionsDays: number;
  balancesDays: number;
  grantsDays: number;
  batchSize: number;
  /** Stops early (the next run goes on) so one run never occupies a connection for long. */
  maxDurationMs?: number;
}

export interface RetentionResult {
  sessions: number;
  balances: number;
  grants: number;
  events: number;
}

export type RetentionLog = (msg: string, fields?: object) => void;

/** Advisory-lock key of the job ('vtime' + 'ret' as bytes): any process that runs retention uses it. */
export const RETENTION_LOCK_KEY = '0x7674696d65726574';
const LOCK_KEY_SQL = `${BigInt(RETENTION_LOCK_KEY)}::bigint`;
const DAY_MS = 86_400_000;
/** Live events are a short-lived outbox: a stream resumes by Last-Event-ID within this. */
export const EVENTS_KEEP_HOURS = 24;
const MAX_BATCHES_PER_TABLE = 100_000; // a hard bound on top of the time budget

/**
 * One statement per batch, each its own short transaction: the row locks of a batch are held only
 * while it runs. `skip locked` passes over rows a request holds (e.g. a session being ended), so
 * the job never waits on the hot path; such rows are picked up by the next run.
 */
const BATCHES = {
  // never an active session: only ended ones, by when they started
  sessions: `delete from viewing_sessions where id in (
      select id from viewing_sessions where ended_at is not null and started_at < $1::timestamptz
      limit $2 for update skip locked)`,
  // a balance belongs to one viewing day: by that day
  balances: `delete from viewing_time_balances where id in (
      select id from viewing_time_balances where reset_date < $1::date
      limit $2 for update skip locked)`,
  // the grants ledger: by when the grant was made
  grants: `delete from time_grants where id in (
      select id from time_grants where granted_at < $1::timestamptz
      limit $2 for update skip locked)`,
  // the live-events outbox: by when the event was written (nothing locks its rows)
  events: `delete from events where id in (
      select id from events where created_at < $1::timestamptz order by id limit $2)`,
} as const;

function cutoffs(o: RetentionOptions): Record<keyof RetentionResult, string> {
  const before = (days: number) => new Date(o.now.getTime() - days * DAY_MS);
  return {
    sessions: before(o.sessionsDays).toISOString(),
    balances: before(o.balancesDays).toISOString().slice(0, 10), // a UTC date: a day's slack either way is fine
    grants: before(o.grantsDays).toISOString(),
    events: new Date(o.now.getTime() - EVENTS_KEEP_HOURS * 3_600_000).toISOString(),
  };
}

async function deleteInBatches(client: pg.PoolClient, sql: string, cutoff: string, o: RetentionOptions, deadline: number): Promise<{ deleted: number; complete: boolean }> {
  let deleted = 0;
  for (let i = 0; i < MAX_BATCHES_PER_TABLE; i++) {
    const { rowCount } = await client.query(sql, [cutoff, o.batchSize]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < o.batchSize) return { deleted, complete: true };
    if (Date.now() >= deadline) break;
  }
  return { deleted, complete: false };
}

/**
 * Deletes what is past retention without any cluster-wide guard; use runRetentionOnce in services.
 * Runs every batch on the one client given (a single connection, autocommit).
 */
export async function runRetentionOn(client: pg.PoolClient, o: RetentionOptions, log?: RetentionLog): Promise<RetentionResult> {
  const deadline = Date.now() + (o.maxDurationMs ?? 5 * 60_000);
  const limits = cutoffs(o);
  const result: RetentionResult = { sessions: 0, balances: 0, grants: 0, events: 0 };
  // metrics snapshots of processes that died without withdrawing them (a few rows at most), and
  // the stream places those processes could not give back
  await client.query(`delete from metrics_snapshots where updated_at < $1::timestamptz - interval '1 hour'`, [o.now.toISOString()]);
  await client.query(`delete from event_streams where opened_at < $1::timestamptz - interval '1 day'
      and process_key not in (select process_key from metrics_snapshots)`, [o.now.toISOString()]);
  // login attempt counts nobody has touched for a day and that lock nothing (their escalation is forgotten by then)
  await client.query(`delete from login_throttles where updated_at < $1::timestamptz - interval '1 day' and (locked_until is null or locked_until < $1::timestamptz)`, [o.now.toISOString()]);
  // Idempotency-Key answers: kept 24 h from the first request
  await client.query(`delete from idempotency_keys where created_at < $1::timestamptz - make_interval(hours => $2)`, [o.now.toISOString(), IDEMPOTENCY_KEEP_HOURS]);
  // alert delivery records: kept 30 days (SPEC §5; the job queue keeps its own jobs a week)
  await client.query(`delete from alert_deliveries where created_at < $1::timestamptz - interval '30 days'`, [o.now.toISOString()]);
  for (const table of ['events', 'sessions', 'balances', 'grants'] as const) {
    const { deleted, complete } = await deleteInBatches(client, BATCHES[table], limits[table], o, deadline);
    result[table] = deleted;
    if (!complete) {
      log?.('retention stopped at its time budget; the next run continues', { table, deleted });
      break;
    }
  }
  return result;
}

/** One run without the cluster-wide guard, on a connection from the pool (tests, one-off scripts). */
export async function runRetention(pool: pg.Pool, o: RetentionOptions, log?: RetentionLog): Promise<RetentionResult> {
  const client = await pool.connect();
  try {
    return await runRetentionOn(client, o, log);
  } finally {
    client.release();
  }
}

/**
 * Runs retention if no other process in the deployment is running it: the advisory lock is taken
 * on a dedicated connection, held for the run, released after. Returns null when another holds it.
 * If the connection dies mid-run PostgreSQL drops the lock with the session, so it never sticks.
 */
export async function runRetentionOnce(pool: pg.Pool, o: RetentionOptions, log?: RetentionLog): Promise<RetentionResult | null> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${LOCK_KEY_SQL}) as ok`);
    if (!rows[0]?.ok) {
      log?.('retention skipped: another process is running it');
      return null;
    }
    try {
      const started = Date.now();
      const result = await runRetentionOn(client, o, log);
      log?.('retention run finished', { ...result, ms: Date.now() - started });
      return result;
    } finally {
      await client.query(`select pg_advisory_unlock(${LOCK_KEY_SQL})`);
    }
  } catch (e) {
    broken = e as Error;
    throw e;
  } finally {
    // a client that failed is destroyed rather than returned, so a held lock cannot leak back into the pool
    client.release(broken);
  }
}

export interface RetentionSchedule {
  intervalMinutes: number;
  sessionsDays: number;
  balancesDays: number;
  grantsDays: number;
  batchSize: number;
  /** Delay of the first run after start (default 30 s: after start-up work, not during it). */
  firstRunDelayMs?: number;
  /** Where "now" comes from (tests pass a fixed past date so a shared database keeps its rows). */
  clock?: () => Date;
}

/**
 * Runs retention every intervalMinutes (0 disables it), scheduled by croner: every second the job
 * may fire, at most once per interval, and never while the previous run is still going (protect),
 * so runs of one process never overlap; the advisory lock keeps other processes out. Errors are
 * logged, never thrown: the service must not fall over for housekeeping. stop() cancels the next
 * run and resolves once a run in progress has finished.
 */
export function startRetentionSchedule(pool: pg.Pool, s: RetentionSchedule, log: RetentionLog): { stop(): Promise<void> } {
  if (s.intervalMinutes <= 0) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const tick = () => {
    const opts = { now: s.clock?.() ?? new Date(), sessionsDays: s.sessionsDays, balancesDays: s.balancesDays, grantsDays: s.grantsDays, batchSize: s.batchSize };
    running = runRetentionOnce(pool, opts, log).then(() => undefined, (e: Error) => log('retention run failed', { err: e.message }));
    return running;
  };
  const job = new Cron('* * * * * *', {
    interval: s.intervalMinutes * 60, protect: true, unref: true, // housekeeping never keeps a draining process alive
    startAt: new Date(Date.now() + (s.firstRunDelayMs ?? 30_000)), // after start-up work, not during it
  }, tick);
  return {
    async stop() {
      job.stop();
      await running;
    },
  };
}
