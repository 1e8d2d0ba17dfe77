import { channel } from 'node:diagnostics_channel';
import type { EntityManager } from '@mikro-orm/core';
import { CompiledQuery, type Transaction } from 'kysely';
import type { Pool } from 'pg';

/** Every named statement as it is sent, for tracing (the heartbeat-path test reads the call path from it); free without subscribers. */
export const statementChannel = channel('vtime:statement');

const isConnectionError = (e: Error & { code?: string }) => !e.code || /^(08|57P)/.test(e.code);

/**
 * Runs one hand-written statement, the only way repositories send SQL text. Inside a MikroORM
 * transaction it joins it (same connection, same transaction); otherwise it goes through
 * MikroORM's own pg pool as a named prepared statement (parsed once per connection):
 * one round trip, no ORM hydration.
 */
/** The MikroORM transaction the caller runs in, if any: a statement then joins it. */
const transactionOf = (em: EntityManager) => (em.isInTransaction() ? em.getTransactionContext<Transaction<unknown>>() : undefined);

export async function runNamed<T>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  if (statementChannel.hasSubscribers) statementChannel.publish({ name });
  const tx = transactionOf(em);
  if (tx) return (await tx.executeQuery(CompiledQuery.raw(text, values))).rows as T[];
  const pool = (await em.getConnection().getNativeClient()) as Pool;
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    return (await client.query({ name, text, values })).rows as T[];
  } catch (e) {
    failed = e as Error;
    throw e;
  } finally {
    client.release(failed && isConnectionError(failed) ? failed : undefined);
  }
}

/**
 * One statement of a library's own SQL (pg-boss's, through its db adapter), unnamed: it joins a
 * MikroORM transaction like runNamed, else runs on the pool without a prepared-statement name
 * (its texts vary).
 */
export async function runText<T>(em: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const tx = transactionOf(em);
  if (tx) return (await tx.executeQuery(CompiledQuery.raw(text, values))).rows as T[];
  const pool = (await em.getConnection().getNativeClient()) as Pool;
  return (await pool.query(text, values)).rows as T[];
}
