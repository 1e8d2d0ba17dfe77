import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

// Password attempt limits live in these statements. An attempt is counted as a
// failure on its account's and its client address's rows BEFORE bcrypt runs, under the rows' locks,
// so parallel guesses cannot get past the limit; a correct password takes its count back. The
// attempt that reaches a limit arms that row's lockout: the window's length, doubling with each
// further lockout (forgotten after a quiet day, and for an account by a correct password).

export interface LoginLimits {
  /** Failures per account (any email, registered or not) within the window. */
  perAccount: number;
  /** Failures per client address within the window. */
  perAddress: number;
  windowMinutes: number;
}

const MAX_DOUBLINGS = 6;

// $1 keys, $2 now, $3 per-account limit, $4 per-address limit, $5 window minutes
const WINDOW = 'make_interval(mins => $5::int)';
const RESTART = `t.window_started_at <= $2::timestamptz - ${WINDOW}`;
const COUNT = `(case when ${RESTART} then 1 else t.failures + 1 end)`;
const LIMIT = `(case when t.key like 'address:%' then $4::int else $3::int end)`;
const LOCKOUTS = `(case when t.updated_at <= $2::timestamptz - interval '1 day' then 0 else t.lockouts end)`;
const REACHED = `${COUNT} >= ${LIMIT}`;
const RESERVE = `with held as (
    select max(locked_until) as until from login_throttles where key = any($1::text[]) and locked_until > $2
  ), counted as (
    insert into login_throttles as t (key, failures, window_started_at, lockouts, locked_until, updated_at)
    select k, 1, $2, 0, null, $2 from unnest($1::text[]) as k where (select until from held) is null
    on conflict (key) do update set
      failures = case when ${REACHED} then 0 else ${COUNT} end,
      window_started_at = case when ${RESTART} then $2 else t.window_started_at end,
      locked_until = case when ${REACHED} then $2::timestamptz + ${WINDOW} * (2 ^ least(${LOCKOUTS}, ${MAX_DOUBLINGS})) else t.locked_until end,
      lockouts = case when ${REACHED} then ${LOCKOUTS} + 1 else ${LOCKOUTS} end,
      updated_at = $2
    where t.locked_until is null or t.locked_until <= $2
    returning t.key
  )
  select (select until from held) as held_until, (select count(*)::int from counted) as counted`;

// after a correct password: the account starts again; the address takes this attempt back
const SUCCEEDED = `update login_throttles set
    failures = case when key like 'address:%' then greatest(0, failures - 1) else 0 end,
    lockouts = case when key like 'address:%' then lockouts else 0 end,
    locked_until = case when key like 'address:%' then locked_until else null end,
    updated_at = $2
  where key = any($1::text[])`;

const LOCKED_UNTIL = 'select max(locked_until) as until from login_throttles where key = any($1::text[]) and locked_until > $2';

export const accountKey = (email: string) => `account:${email.toLowerCase()}`;
export const addressKey = (address: string) => `address:${address}`;

/**
 * Counts one attempt on every key, or none when any of them is locked: null when counted (bcrypt
 * may run), else until when the attempts are refused.
 */
export async function reserve(em: EntityManager, keys: string[], now: Date, l: LoginLimits): Promise<Date | null> {
  const [row] = await runNamed<{ held_until: Date | null; counted: number }>(em, 'login_reserve', RESERVE, [keys, now, l.perAccount, l.perAddress, l.windowMinutes]);
  if (row.held_until) return new Date(row.held_until);
  if (row.counted === keys.length) return null;
  // a parallel attempt locked a row after this statement's snapshot: refused like the others
  const [locked] = await runNamed<{ until: Date | null }>(em, 'login_locked_until', LOCKED_UNTIL, [keys, now]);
  return new Date(locked?.until ?? now.getTime() + l.windowMinutes * 60_000);
}

export async function succeeded(em: EntityManager, keys: string[], now: Date): Promise<void> {
  await runNamed(em, 'login_succeeded', SUCCEEDED, [keys, now]);
}
