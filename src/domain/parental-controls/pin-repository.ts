import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

// The PIN's attempt limits live in these statements: a check is counted in the database before
// bcrypt runs, so parallel guesses cannot get past them.
export const MAX_FAILURES = 5;
export const BASE_LOCKOUT_MINUTES = 30;
// a check still counted as under way after this long was lost with its process: it counts no more
const PENDING_STALE_SECONDS = 60;

const PENDING = `case when pin_pending_since > $2::timestamptz - interval '${PENDING_STALE_SECONDS} seconds' then pin_checks_pending else 0 end`;

// Reserve a check BEFORE bcrypt runs: checks under way count with the failures against the limit,
// so parallel guesses get at most MAX_FAILURES bcrypt checks. Only a wrong answer counts as a
// failure (and arms the lockout), so a parent's own parallel retries with the right PIN never lock it.
const RESERVE = `update users set pin_checks_pending = ${PENDING} + 1, pin_pending_since = $2
  where id = $1 and pin_hash is not null and (pin_lockout_until is null or pin_lockout_until <= $2)
    and pin_failed_attempts + ${PENDING} < ${MAX_FAILURES}
  returning pin_hash, pin_epoch`;

// A wrong PIN: one more failure; the one that reaches the limit arms the lockout (30 min, doubling
// with each further lockout until a correct PIN).
const FAILED = `update users set pin_checks_pending = greatest(pin_checks_pending - 1, 0),
    pin_failed_attempts = case when pin_failed_attempts + 1 >= ${MAX_FAILURES} then 0 else pin_failed_attempts + 1 end,
    pin_lockout_until = case when pin_failed_attempts + 1 >= ${MAX_FAILURES}
      then $2::timestamptz + make_interval(mins => ${BASE_LOCKOUT_MINUTES} * (2 ^ least(pin_lockout_count, 16))::int) else pin_lockout_until end,
    pin_lockout_count = case when pin_failed_attempts + 1 >= ${MAX_FAILURES} then pin_lockout_count + 1 else pin_lockout_count end
  where id = $1 returning coalesce(pin_lockout_until > $2, false) as now_locked, pin_lockout_until`;

const SUCCEEDED = `update users set pin_failed_attempts = 0, pin_lockout_count = 0, pin_lockout_until = null,
  pin_checks_pending = greatest(pin_checks_pending - 1, 0) where id = $1`;
// bcrypt never answered (the pool refused or timed out): the check was no attempt
const ABANDONED = 'update users set pin_checks_pending = greatest(pin_checks_pending - 1, 0) where id = $1';

const STATE = 'select pin_hash is not null as has_pin, pin_lockout_until, pin_failed_attempts, pin_epoch from users where id = $1';

// the reset path has its own counter and lockout, keyed on the account password
const RESERVE_RESET = `update users set
    pin_reset_failed_attempts = case when pin_reset_failed_attempts + 1 >= ${MAX_FAILURES} then 0 else pin_reset_failed_attempts + 1 end,
    pin_reset_lockout_until = case when pin_reset_failed_attempts + 1 >= ${MAX_FAILURES}
      then $2::timestamptz + make_interval(mins => ${BASE_LOCKOUT_MINUTES}) else pin_reset_lockout_until end
  where id = $1 and (pin_reset_lockout_until is null or pin_reset_lockout_until <= $2)
  returning password_hash`;

// A new PIN: every counter and lockout starts again, and the PIN epoch moves on (every PIN token ends).
const NEW_PIN = `pin_hash = $2, pin_failed_attempts = 0, pin_lockout_count = 0, pin_lockout_until = null,
  pin_reset_failed_attempts = 0, pin_reset_lockout_until = null, pin_epoch = pin_epoch + 1`;
const STORE = `update users set ${NEW_PIN} where id = $1`;
// the first PIN, only while none is set: of two racing set-ups, one wins
const STORE_FIRST = `update users set ${NEW_PIN} where id = $1 and pin_hash is null returning pin_epoch`;
const END_PIN_TOKENS = 'update users set pin_epoch = pin_epoch + 1 where id = $1';

export interface PinState { has_pin: boolean; pin_lockout_until: Date | null; pin_failed_attempts: number; pin_epoch: number }

export async function state(em: EntityManager, userId: string): Promise<PinState | undefined> {
  return (await runNamed<PinState>(em, 'pin_state', STATE, [userId]))[0];
}

/** Counts a check as under way unless checks are locked, at their limit or no PIN is set: the hash to compare, or nothing. */
export async function reserveAttempt(em: EntityManager, userId: string, now: Date): Promise<{ pin_hash: string; pin_epoch: number } | undefined> {
  return (await runNamed<{ pin_hash: string; pin_epoch: number }>(em, 'pin_reserve', RESERVE, [userId, now]))[0];
}

export async function failed(em: EntityManager, userId: string, now: Date): Promise<{ now_locked: boolean; pin_lockout_until: Date | null }> {
  return (await runNamed<{ now_locked: boolean; pin_lockout_until: Date | null }>(em, 'pin_failed', FAILED, [userId, now]))[0];
}

export async function succeeded(em: EntityManager, userId: string): Promise<void> {
  await runNamed(em, 'pin_succeeded', SUCCEEDED, [userId]);
}

export async function abandoned(em: EntityManager, userId: string): Promise<void> {
  await runNamed(em, 'pin_abandoned', ABANDONED, [userId]);
}

export async function reserveResetAttempt(em: EntityManager, userId: string, now: Date): Promise<{ password_hash: string } | undefined> {
  return (await runNamed<{ password_hash: string }>(em, 'pin_reset_reserve', RESERVE_RESET, [userId, now]))[0];
}

export async function resetLockedUntil(em: EntityManager, userId: string): Promise<Date | null> {
  return (await runNamed<{ until: Date | null }>(em, 'pin_reset_state', 'select pin_reset_lockout_until as until from users where id = $1', [userId]))[0]?.until ?? null;
}

/** A new PIN hash; every counter and lockout starts again, and every PIN token ends. */
export async function store(em: EntityManager, userId: string, hash: string): Promise<void> {
  await runNamed(em, 'pin_store', STORE, [userId, hash]);
}

/** The first PIN; false when one was set meanwhile (another set-up won the race). */
export async function storeFirst(em: EntityManager, userId: string, hash: string): Promise<boolean> {
  return (await runNamed(em, 'pin_store_first', STORE_FIRST, [userId, hash])).length > 0;
}

/** Every PIN token issued so far stops working (pin/lock). */
export async function endPinTokens(em: EntityManager, userId: string): Promise<void> {
  await runNamed(em, 'pin_end_tokens', END_PIN_TOKENS, [userId]);
}
