import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

// The PIN's attempt limits live in these statements: an attempt is counted in the database before
// bcrypt runs, so parallel guesses cannot get past them (SPEC §3 PIN).
export const MAX_FAILURES = 5;
export const BASE_LOCKOUT_MINUTES = 30;

// Reserve an attempt BEFORE bcrypt runs: the counter goes up atomically under the row lock, so
// parallel guesses cannot exceed the limit; the attempt that reaches it arms the lockout (30 min,
// doubling with each further lockout) and a correct PIN disarms it again.
const RESERVE = `update users set
    pin_failed_attempts = case when pin_failed_attempts + 1 >= ${MAX_FAILURES} then 0 else pin_failed_attempts + 1 end,
    pin_lockout_until = case when pin_failed_attempts + 1 >= ${MAX_FAILURES}
      then $2::timestamptz + make_interval(mins => ${BASE_LOCKOUT_MINUTES} * (2 ^ least(pin_lockout_count, 16))::int) else pin_lockout_until end,
    pin_lockout_count = case when pin_failed_attempts + 1 >= ${MAX_FAILURES} then pin_lockout_count + 1 else pin_lockout_count end
  where id = $1 and pin_hash is not null and (pin_lockout_until is null or pin_lockout_until <= $2)
  returning pin_hash, pin_failed_attempts, pin_lockout_until > $2 as now_locked`;

const STATE = 'select pin_hash is not null as has_pin, pin_lockout_until, pin_failed_attempts from users where id = $1';
const CLEAR = 'update users set pin_failed_attempts = 0, pin_lockout_count = 0, pin_lockout_until = null where id = $1';

// the reset path has its own counter and lockout, keyed on the account password
const RESERVE_RESET = `update users set
    pin_reset_failed_attempts = case when pin_reset_failed_attempts + 1 >= ${MAX_FAILURES} then 0 else pin_reset_failed_attempts + 1 end,
    pin_reset_lockout_until = case when pin_reset_failed_attempts + 1 >= ${MAX_FAILURES}
      then $2::timestamptz + make_interval(mins => ${BASE_LOCKOUT_MINUTES}) else pin_reset_lockout_until end
  where id = $1 and (pin_reset_lockout_until is null or pin_reset_lockout_until <= $2)
  returning password_hash`;

const STORE = `update users set pin_hash = $2, pin_failed_attempts = 0, pin_lockout_count = 0,
  pin_lockout_until = null, pin_reset_failed_attempts = 0, pin_reset_lockout_until = null where id = $1`;

export interface PinState { has_pin: boolean; pin_lockout_until: Date | null; pin_failed_attempts: number }

export async function state(em: EntityManager, userId: string): Promise<PinState | undefined> {
  return (await runNamed<PinState>(em, 'pin_state', STATE, [userId]))[0];
}

/** Counts an attempt unless checks are locked (or no PIN is set): the PIN hash to compare, or nothing. */
export async function reserveAttempt(em: EntityManager, userId: string, now: Date): Promise<{ pin_hash: string; now_locked: boolean } | undefined> {
  return (await runNamed<{ pin_hash: string; now_locked: boolean }>(em, 'pin_reserve', RESERVE, [userId, now]))[0];
}

export async function clearFailures(em: EntityManager, userId: string): Promise<void> {
  await runNamed(em, 'pin_clear', CLEAR, [userId]);
}

export async function reserveResetAttempt(em: EntityManager, userId: string, now: Date): Promise<{ password_hash: string } | undefined> {
  return (await runNamed<{ password_hash: string }>(em, 'pin_reset_reserve', RESERVE_RESET, [userId, now]))[0];
}

export async function resetLockedUntil(em: EntityManager, userId: string): Promise<Date | null> {
  return (await runNamed<{ until: Date | null }>(em, 'pin_reset_state', 'select pin_reset_lockout_until as until from users where id = $1', [userId]))[0]?.until ?? null;
}

/** A new PIN hash; every counter and lockout starts again. */
export async function store(em: EntityManager, userId: string, hash: string): Promise<void> {
  await runNamed(em, 'pin_store', STORE, [userId, hash]);
}
