// Idempotency-Key rows (SPEC §4): the claim, the answer and the release, one round trip each.
// The rules (what a key's scope is, what is kept, for how long) live in src/http/idempotency.ts.
import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from './statement.ts';

// The claim: a new key (or one past its 24 h, or a claim given up) is taken; otherwise the row as
// it stands is read back in the same statement. A row the insert met but the statement's snapshot
// cannot see yet (committed a moment ago) reads as still running: the client retries after 1 s.
const CLAIM = `with claim as (
    insert into idempotency_keys as k (scope, key, body_hash, created_at) values ($1, $2, $3, $4)
    on conflict (scope, key) do update set body_hash = excluded.body_hash, created_at = excluded.created_at, status = null, body = null, answered_at = null
     where k.created_at <= $5 or (k.status is null and k.created_at <= $6)
    returning 1)
  select exists (select 1 from claim) as claimed, k.body_hash, k.status, k.body
    from (select 1) one left join idempotency_keys k on k.scope = $1 and k.key = $2 and not exists (select 1 from claim)`;
const ANSWER = 'update idempotency_keys set status = $3, body = $4, answered_at = $5 where scope = $1 and key = $2';
const RELEASE = 'delete from idempotency_keys where scope = $1 and key = $2 and status is null';

export interface KeyRow { claimed: boolean; body_hash: string | null; status: number | null; body: unknown }
type Held = { scope: string; key: string };

/** Takes the key (new, past its keep-time, or a claim given up) or reads it as it stands. */
export async function claim(em: EntityManager, c: Held & { hash: string; now: Date; expired: Date; stale: Date }): Promise<KeyRow> {
  return (await runNamed<KeyRow>(em, 'idempotency_claim', CLAIM, [c.scope, c.key, c.hash, c.now, c.expired, c.stale]))[0];
}

/** Keeps the first answer for the repeats. */
export async function answer(em: EntityManager, k: Held, status: number, body: unknown, now: Date): Promise<void> {
  await runNamed(em, 'idempotency_answer', ANSWER, [k.scope, k.key, status, body === undefined ? null : JSON.stringify(body), now]);
}

/** Gives the key back (an answer not kept): the repeat runs again. */
export async function release(em: EntityManager, k: Held): Promise<void> {
  await runNamed(em, 'idempotency_release', RELEASE, [k.scope, k.key]);
}
