import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Pool } from 'pg';
import { entities } from './entities.ts';
import { PG_KEEPALIVE } from '../db/db-errors.ts';
import { instrumentPool } from '../db/query-counter.ts';
import { migrationsList } from '../../migrations/index.ts';
import { syncSqlFunctions } from './sql-functions.ts';

export interface OrmSettings {
  url: string;
  poolMin: number;
  poolMax: number;
}

/** MikroORM options; the migration CLI and the service share them. */
export function ormOptions(s: OrmSettings): Options {
  return {
    clientUrl: s.url,
    entities,
    extensions: [Migrator],
    pool: { min: s.poolMin, max: s.poolMax, idleTimeoutMillis: 30_000 },
    // keepalive on each connection; an idle connection that breaks (a failover) is dropped by the
    // pool, which opens a new one on the next demand: the listener keeps that from crashing the process
    driverOptions: { onPoolCreated: (pool: Pool) => { instrumentPool(pool); pool.on('error', () => {}); }, connectionTimeoutMillis: 5_000, ...PG_KEEPALIVE },
    // the SQL functions are written by hand in src/db/sql (see sql-functions.ts), not derived from entities
    schemaGenerator: { ignoreRoutines: true, skipTables: ['vtime_sql_functions', 'events', 'event_streams'] },
    // each migration in its own transaction (one that builds indexes CONCURRENTLY opts out)
    migrations: { migrationsList, silent: true, transactional: true, allOrNothing: false, snapshot: false, path: 'migrations', emit: 'ts' },
    // a unit of work per request or job: the global EM is never used
    allowGlobalContext: false,
    loadStrategy: 'joined',
    debug: false,
  };
}

export async function createOrm(s: OrmSettings): Promise<MikroORM> {
  return MikroORM.init(ormOptions(s));
}

/** The versioned migrations, then the SQL functions of src/db/sql; returns what was applied. */
export async function migrate(orm: MikroORM): Promise<{ migrations: string[]; functions: string[] }> {
  const migrations = (await orm.migrator.up()).map((m) => m.name);
  const functions = await syncSqlFunctions((await orm.em.getConnection().getNativeClient()) as Pool);
  return { migrations, functions };
}

/** Readiness: does the database answer a trivial query? */
export async function databaseAnswers(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}

/** Opens poolMin connections now so the first requests do not pay for them. */
export async function warmPool(orm: MikroORM, size: number): Promise<void> {
  const pool = (await orm.em.getConnection().getNativeClient()) as Pool;
  const clients = await Promise.all(Array.from({ length: Math.max(1, size) }, () => pool.connect()));
  await Promise.all(clients.map((c) => c.query('select 1')));
  clients.forEach((c) => c.release());
}

export type { MikroORM };
