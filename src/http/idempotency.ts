// Idempotency-Key (SPEC §4): a client that did not hear the answer to a change (a lost connection,
// a failover) sends it again with the same key and gets the first answer instead of a second
// change. A key belongs to a scope: the caller's account (a kids device: its profile), the method
// and the path with its parameters. "The same body" is the body as the route's schema parsed it,
// without PIN proof, serialised with sorted keys (safe-stable-stringify); only its SHA-256 is kept.
//
// Two statements around the change, each one round trip: the claim (which also reads a key seen
// before) and the answer. A claim holds the key while its request runs; a repeat meanwhile gets 409
// idempotency_in_progress. Answers that are not kept (5xx, 401, 423, 429) give the claim back, so
// the repeat runs again. A claim left without an answer (its process died mid-request) is given up
// after CLAIM_STALE_MS, like a 5xx.
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import stringify from 'safe-stable-stringify';
import * as keys from '../db/idempotency-keys.ts';
import type { Principal } from '../domain/accounts/tokens.ts';
import type { Clock } from '../domain/shared/clock.ts';
import { AppError, invalidField } from '../domain/shared/errors.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** 1–255 visible ASCII characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** A key is kept, and answered from, for 24 h after its first request (the retention job deletes it then). */
export const IDEMPOTENCY_KEEP_HOURS = 24;
export const CLAIM_STALE_MS = 60_000;
const PROOF = new Set(['pin', 'pin_token']);

export type Claim =
  | { kind: 'claimed'; scope: string; key: string }
  | { kind: 'replay'; status: number; body: unknown };

/** Statuses whose answer is kept and replayed: every 2xx and 4xx but 401, 423 and 429. */
export const keeps = (status: number) => (status >= 200 && status < 300) || (status >= 400 && status < 500 && ![401, 423, 429].includes(status));

/** The SHA-256 (hex) of a parsed body without PIN proof, keys sorted at every depth. */
export function bodyHash(body: unknown): string {
  const plain = body && typeof body === 'object' && !Array.isArray(body)
    ? Object.fromEntries(Object.entries(body).filter(([k, v]) => !PROOF.has(k) && v !== undefined))
    : body ?? {};
  return createHash('sha256').update(stringify(plain) ?? '').digest('hex');
}

const scopeOf = (p: Principal, method: string, path: string) => `${p.scope === 'profile' ? `profile:${p.profileId}` : `user:${p.userId}`} ${method.toUpperCase()} ${path}`;

export class Idempotency {
  readonly #em: EntityManager;
  readonly #clock: Clock;
  /** For the metrics: answers replayed, and repeats refused (409 in progress, 422 another body). */
  readonly stats = { replays: 0, conflicts: 0 };

  constructor(d: { em: EntityManager; clock: Clock }) {
    this.#em = d.em;
    this.#clock = d.clock;
  }

  /** Takes the key for this request, or answers a repeat (a replay, or the 409 and 422 refusals as errors). */
  async claim(principal: Principal, method: string, path: string, key: string, body: unknown): Promise<Claim> {
    if (!KEY.test(key)) throw invalidField(IDEMPOTENCY_HEADER, 'must be 1 to 255 visible ASCII characters');
    const scope = scopeOf(principal, method, path);
    const hash = bodyHash(body);
    const now = this.#clock.now().getTime();
    const row = await keys.claim(this.#em, { scope, key, hash, now: new Date(now), expired: new Date(now - IDEMPOTENCY_KEEP_HOURS * 3_600_000), stale: new Date(now - CLAIM_STALE_MS) });
    if (row.claimed) return { kind: 'claimed', scope, key };
    if (row.body_hash !== null && row.body_hash !== hash) {
      this.stats.conflicts++;
      throw new AppError('validation', 'idempotency_key_reused', `${IDEMPOTENCY_HEADER}: this key was used with another body; use a new key for another request`, { field: IDEMPOTENCY_HEADER });
    }
    if (row.status === null) {
      this.stats.conflicts++;
      throw new AppError('conflict', 'idempotency_in_progress', 'the first request with this Idempotency-Key is still running; retry shortly', { retry_after: 1 });
    }
    this.stats.replays++;
    return { kind: 'replay', status: row.status, body: row.body };
  }

  /** Keeps the first answer for the repeats, or gives the key back when the answer is not one to keep. */
  async settle(claim: Extract<Claim, { kind: 'claimed' }>, status: number, body: unknown): Promise<void> {
    if (keeps(status)) await keys.answer(this.#em, claim, status, body, this.#clock.now());
    else await keys.release(this.#em, claim);
  }
}
