// Idempotency-Key rows (SPEC §4), written in the change's own transaction. The rules (what a key's
// scope is, what is kept, for how long) live in src/http/idempotency.ts.
import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from './statement.ts';

// The first statement of the change's transaction: a transaction-scoped advisory lock on the key
// (a request with the same key still running holds it: `locked` is false), and the key's kept
// answer, if it has one younger than 24 h. A first request that committed between this statement's
// snapshot and its lock is not missed: STORE's insert then meets its row and the change is rolled back.
const LOOKUP = `select pg_try_advisory_xact_lock(hashtextextended($1 || chr(10) || $2, 0)) as locked, k.body_hash, k.status, k.body
    from (select 1) one left join idempotency_keys k on k.scope = $1 and k.key = $2 and k.created_at > $3`;
// The last statement before COMMIT: the key, the body's hash and the answer. A row past its 24 h
// is replaced; a live one (a first request that won a race) returns nothing.
const STORE = `insert into idempotency_keys as k (scope, key, body_hash, created_at, status, body, answered_at) values ($1, $2, $3, $4, $5, $6, $4)
    on conflict (scope, key) do update set body_hash = excluded.body_hash, created_at = excluded.created_at, status = excluded.status, body = excluded.body, answered_at = excluded.answered_at
     where k.created_at <= $7
    returning 1 as stored`;
// Outside a transaction, after a lost race: the winner's answer.
const READ = 'select body_hash, status, body from idempotency_keys where scope = $1 and key = $2';

export interface KeyRow { body_hash: string | null; status: number | null; body: unknown }
type Held = { scope: string; key: string };

/** Locks the key for this transaction and reads its kept answer (younger than `live`), if any. */
export async function lookup(em: EntityManager, k: Held, live: Date): Promise<KeyRow & { locked: boolean }> {
  return (await runNamed<KeyRow & { locked: boolean }>(em, 'idempotency_lookup', LOOKUP, [k.scope, k.key, live]))[0];
}

/** Keeps the answer for the repeats; false when a live row was there first (a race lost). */
export async function store(em: EntityManager, k: Held & { hash: string; now: Date; expired: Date }, status: number, body: unknown): Promise<boolean> {
  const rows = await runNamed(em, 'idempotency_store', STORE, [k.scope, k.key, k.hash, k.now, status, body === undefined ? null : JSON.stringify(body), k.expired]);
  return rows.length > 0;
}

/** The kept answer as it stands (after a race lost). */
export async function read(em: EntityManager, k: Held): Promise<KeyRow | undefined> {
  return (await runNamed<KeyRow>(em, 'idempotency_read', READ, [k.scope, k.key]))[0];
}
