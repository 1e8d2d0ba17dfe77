// Idempotency-Key (SPEC §4): a client that did not hear the answer to a change (a lost connection,
// a failover) sends it again with the same key and gets the first answer instead of a second
// change. A key belongs to a scope: the caller's account (a kids device: its profile), the method
// and the path with its parameters. "The same body" is the body as the route's schema parsed it,
// without PIN proof, serialised with sorted keys (safe-stable-stringify); only its SHA-256 is kept.
//
// The key, the hash and the answer are written in the change's own transaction, so a change and
// its kept answer commit together or not at all: a commit whose answer was lost (in doubt at a
// failover) is either there with its answer, or not there and run again. Around the change: BEGIN,
// the key's lookup (which also takes a transaction-scoped advisory lock on it), the answer, COMMIT.
// A repeat while the first still runs cannot take the lock: 409 idempotency_in_progress. A first
// request whose process died leaves nothing behind: its transaction, and its lock, end with its
// connection. Answers that are not kept (5xx, 401, 423, 429) write no key; the repeat runs again.
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
const PROOF = new Set(['pin', 'pin_token']);

/** What a keyed change answered: its own answer, or the first one (replayed). */
export interface Answer { status: number; body: unknown; replayed: boolean }

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

/** A race lost at STORE: the change is rolled back and the winner's answer replayed. */
class RaceLost extends Error {}

const inProgress = () => new AppError('conflict', 'idempotency_in_progress', 'the first request with this Idempotency-Key is still running; retry shortly', { retry_after: 1 });

export class Idempotency {
  readonly #em: EntityManager;
  readonly #clock: Clock;
  /** For the metrics: answers replayed, and repeats refused (409 in progress, 422 another body). */
  readonly stats = { replays: 0, conflicts: 0 };

  constructor(d: { em: EntityManager; clock: Clock }) {
    this.#em = d.em;
    this.#clock = d.clock;
  }

  /**
   * Runs `change` (the route's handler, whose statements join this transaction) under the key, or
   * answers a repeat: the first answer replayed, 409 while the first runs, 422 for another body.
   * `statusOf` is the status of a change that returned. A change that threw is answered by
   * `errorAnswer`; its error is thrown again after the commit, so the caller answers it as usual.
   */
  async run(principal: Principal, method: string, path: string, key: string, body: unknown,
    change: () => Promise<unknown>, statusOf: (result: unknown) => number, errorAnswer: (err: unknown) => { status: number; body: unknown }): Promise<Answer> {
    if (!KEY.test(key)) throw invalidField(IDEMPOTENCY_HEADER, 'must be 1 to 255 visible ASCII characters');
    const k = { scope: scopeOf(principal, method, path), key, hash: bodyHash(body) };
    const now = this.#clock.now();
    const expired = new Date(now.getTime() - IDEMPOTENCY_KEEP_HOURS * 3_600_000);
    let failed: { err: unknown } | undefined;
    try {
      const answer = await this.#em.transactional(async (em) => {
        const row = await keys.lookup(em, k, expired);
        if (!row.locked) {
          this.stats.conflicts++;
          throw inProgress();
        }
        if (row.status !== null) return this.#replay(row, k.hash);
        let out: Answer;
        try {
          const result = await change();
          out = { status: statusOf(result), body: result, replayed: false };
        } catch (err) {
          const a = errorAnswer(err);
          if (!keeps(a.status)) throw err; // nothing kept: the transaction ends as the change left it
          failed = { err };
          out = { status: a.status, body: a.body, replayed: false };
        }
        if (!keeps(out.status)) return out;
        let stored: boolean;
        try {
          stored = await keys.store(em, { ...k, now, expired }, out.status, out.body);
        } catch (storeErr) {
          throw failed ? failed.err : storeErr; // a change that failed in SQL left its transaction unusable: nothing kept
        }
        if (!stored) throw new RaceLost();
        return out;
      });
      if (failed) throw failed.err;
      return answer;
    } catch (err) {
      if (!(err instanceof RaceLost)) throw err;
      const row = await keys.read(this.#em, k);
      if (!row || row.status === null) throw inProgress();
      return this.#replay(row, k.hash);
    }
  }

  #replay(row: keys.KeyRow, hash: string): Answer {
    if (row.body_hash !== hash) {
      this.stats.conflicts++;
      throw new AppError('validation', 'idempotency_key_reused', `${IDEMPOTENCY_HEADER}: this key was used with another body; use a new key for another request`, { field: IDEMPOTENCY_HEADER });
    }
    this.stats.replays++;
    return { status: row.status!, body: row.body, replayed: true };
  }
}
