import { RequestContext } from '@mikro-orm/core';
import pg from 'pg';
import { PG_KEEPALIVE } from '../db/db-errors.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createOrm, migrate } from './orm.ts';
import { startRetentionSchedule } from './retention.ts';
import { seedDemo, type DemoLogins } from './seed.ts';

// any constant shared by every process of the deployment: one migrator/seeder at a time
const MIGRATION_LOCK = 720_431_001;

/** Migrates (and seeds demo data if asked) under an advisory lock, so concurrent starts are safe. */
export async function prepareDatabase(config: Config, url: string, logger: Logger, seed: boolean): Promise<DemoLogins | null> {
  // one connection: the advisory lock is held by the session that migrates
  const orm = await createOrm({ url, poolMin: 0, poolMax: 1 });
  const conn = orm.em.getConnection();
  try {
    await conn.execute(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    const applied = await migrate(orm);
    if (applied.migrations.length) logger.info({ migrations: applied.migrations }, 'migrations applied');
    if (applied.functions.length) logger.info({ functions: applied.functions }, 'SQL functions applied');
    if (!seed) return null;
    const pool = new WorkerPool({ threads: config.WORKER_THREADS, maxQueue: 100 });
    try {
      const { created, logins } = await RequestContext.create(orm.em, () => seedDemo(orm.em, pool, { dataDir: config.DATA_DIR, bcryptCost: config.BCRYPT_COST }));
      if (created) logger.info('demo data seeded');
      return logins;
    } finally {
      await pool.close();
    }
  } finally {
    await conn.execute(`select pg_advisory_unlock_all()`).catch(() => {});
    await orm.close();
  }
}

/**
 * The retention schedule for this deployment: the cluster primary runs it, or (without one) each
 * service process — the job's advisory lock lets one at a time do the work either way.
 */
export function startRetention(config: Config, url: string, logger: Logger): { stop(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 10_000, ...PG_KEEPALIVE });
  pool.on('error', () => {});
  const schedule = startRetentionSchedule(pool, {
    intervalMinutes: config.RETENTION_INTERVAL_MINUTES, sessionsDays: config.RETENTION_SESSIONS_DAYS, balancesDays: config.RETENTION_BALANCES_DAYS,
    grantsDays: config.RETENTION_GRANTS_DAYS, batchSize: config.RETENTION_BATCH_SIZE,
  }, (msg, fields) => logger.info({ job: 'retention', ...fields }, msg));
  return { stop: async () => { await schedule.stop(); await pool.end(); } };
}
