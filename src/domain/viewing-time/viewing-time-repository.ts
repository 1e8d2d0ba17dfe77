import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';
import type { Interval } from './allowed-hours.ts';
import type { Balance, Day } from './model.ts';

// The player's statements; each is one round trip (see runNamed). Their rules live in src/db/sql.

/** What a statement needs to create today's row: the day (model.ts dayAt) and the settings version it came from. */
export interface DayParam {
  day: Day;
  version: number;
}

/** A tstzmultirange's text as PostgreSQL prints it, back into intervals ('{}': none; null: any time). */
export function parseAllowed(text: string | null): Interval[] | null {
  if (text === null) return null;
  const instant = (t: string) => new Date(t.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
  return [...text.matchAll(/\["?([^",)]+)"?,"?([^",)]+)"?\)/g)].map((m) => ({ start: instant(m[1]), end: instant(m[2]) }));
}

/** A day's allowed intervals as PostgreSQL reads them (tstzmultirange); null: any time. */
export function allowedLiteral(allowed: Interval[] | null): string | null {
  if (allowed === null) return null;
  return `{${allowed.map((i) => `[${i.start.toISOString()},${i.end.toISOString()})`).join(',')}}`;
}

export interface BeatInput {
  userId: string;
  profileId: string;
  sessionId: string | null;
  titleId: string;
  deviceId: string;
  deviceType: string;
  paused: boolean;
  seq: number | null;
  now: Date;
  /** The day containing `now` (today.ts): used only to create its row; null while that row is known to exist. */
  day: DayParam | null;
}

export type BeatOutcome = 'ok' | 'retry' | 'started' | 'resumed' | 'superseded' | 'need_day' | 'no_profile' | 'inactive' | 'no_title' | 'not_found';

export interface BeatRow {
  outcome: BeatOutcome;
  session_id: string | null;
  is_kids: boolean | null;
  is_educational: boolean | null;
  used_seconds: number | null;
  educational_seconds: number | null;
  bonus_seconds: number | null;
  unlimited_override: boolean | null;
  limit_minutes: number | null;
  educational_exempt: boolean | null;
  day_end: Date | null;
  remaining_seconds: number | null;
  /** Allowed hours: whether they apply to this session, and the day's instants (tstzmultirange text; null: any time). */
  hours_apply: boolean | null;
  allowed: string | null;
  /** The settings (vt_config_json) when outcome is need_day. */
  config: Record<string, unknown> | null;
}

/** Today's day as statement parameters, in the order of the p_day_* arguments of vt_today_row. */
export const dayParams = (p: DayParam | null) => [
  p?.day.date ?? null, p?.day.start ?? null, p?.day.end ?? null, p?.day.limitMinutes ?? null, p?.day.educationalExempt ?? null, p?.version ?? null,
  p ? allowedLiteral(p.day.allowed) : null, p?.day.educationalIgnoresHours ?? null,
];

/** One beat's parameters, in the order of vt_heartbeats' arrays. */
const beatValues = (b: BeatInput): unknown[] => [b.userId, b.profileId, b.sessionId, b.titleId, b.deviceId, b.deviceType, b.paused, b.seq, b.now, ...dayParams(b.day)];

const HEARTBEATS = `select * from vt_heartbeats(p_user => $1::uuid[], p_profile => $2::uuid[], p_session => $3::uuid[],
  p_title => $4::uuid[], p_device_id => $5::text[], p_device_type => $6::text[], p_paused => $7::boolean[], p_seq => $8::bigint[],
  p_now => $9::timestamptz[], p_day_date => $10::date[], p_day_start => $11::timestamptz[], p_day_end => $12::timestamptz[],
  p_day_limit => $13::integer[], p_day_exempt => $14::boolean[], p_config_version => $15::integer[], p_day_allowed => $16::text[],
  p_day_ignores => $17::boolean[])`;

/** How a group-commit statement shows among a request's statements (X-DB-Ops, Server-Timing). */
export const HEARTBEATS_STATEMENT = 'select * from vt_heartbeats(...)';

/** Beats as one statement (group commit; a lone beat too): one array per parameter, answered row `ord` per beat. */
export function heartbeatsQuery(beats: BeatInput[]): { name: string; text: string; values: unknown[] } {
  const columns = beatValues(beats[0]).map(() => [] as unknown[]);
  for (const b of beats) beatValues(b).forEach((v, i) => columns[i].push(v));
  return { name: 'vt_heartbeats', text: HEARTBEATS, values: columns };
}

/**
 * The statement for one group-commit batch, and how its rows answer
 * the beats. Beats go sorted by profile, each profile's in arrival order, so that concurrent
 * batches of several processes lock rows in the same order; answers come in the caller's order.
 */
export function batchStatement(beats: BeatInput[]): { query: { name: string; text: string; values: unknown[] }; answer(rows: BeatRow[]): BeatRow[] } {
  const order = beats.map((_, i) => i).sort((a, b) => (beats[a].profileId < beats[b].profileId ? -1 : beats[a].profileId > beats[b].profileId ? 1 : a - b));
  return {
    query: heartbeatsQuery(order.map((i) => beats[i])),
    answer: (rows) => {
      const out: BeatRow[] = new Array(beats.length);
      for (const r of rows as (BeatRow & { ord: number })[]) out[order[r.ord - 1]] = r;
      return out;
    },
  };
}

export async function heartbeats(em: EntityManager, beats: BeatInput[]): Promise<BeatRow[]> {
  const s = batchStatement(beats);
  return s.answer(await runNamed<BeatRow>(em, s.query.name, s.query.text, s.query.values));
}

/** heartbeats on this entity manager, as the group commit's statement. */
export const heartbeatsOf = (em: EntityManager) => heartbeats.bind(null, em);

export interface BalanceRow {
  user_id: string;
  is_active: boolean;
  is_kids: boolean;
  /** Null when no row holds the instant yet (nothing watched or granted today). */
  reset_date: string | null;
  day_start: Date | null;
  day_end: Date | null;
  used_seconds: number | null;
  educational_seconds: number | null;
  bonus_seconds: number | null;
  is_unlimited_override: boolean | null;
  limit_minutes: number | null;
  educational_exempt: boolean | null;
  /** The day's allowed instants (tstzmultirange text; null: any time). */
  allowed: string | null;
  educational_ignores_hours: boolean | null;
  /** The settings, for a kids profile without a row: the caller computes the day from them. */
  config: Record<string, unknown> | null;
}

/** A day row as the model's Balance. */
export function balanceOf(r: BalanceRow): Balance {
  return {
    date: r.reset_date!, start: new Date(r.day_start!), end: new Date(r.day_end!), limitMinutes: r.limit_minutes, educationalExempt: r.educational_exempt!,
    allowed: parseAllowed(r.allowed), educationalIgnoresHours: r.educational_ignores_hours!,
    usedSeconds: r.used_seconds!, educationalSeconds: r.educational_seconds!, bonusSeconds: r.bonus_seconds!, unlimited: r.is_unlimited_override!,
  };
}

// The caller's profile, its account and the row of the day containing $2, read fresh: a limit
// change or grant answered on any process is seen at once (read-your-writes).
const BALANCE = `select p.user_id, u.is_active, p.is_kids, b.reset_date::text as reset_date, b.day_start, b.day_end, b.used_seconds,
    b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt, b.allowed::text as allowed,
    b.educational_ignores_hours, case when p.is_kids and b.id is null then vt_config_json(p.id) end as config
  from profiles p join users u on u.id = p.user_id
  left join vt_day_of(p.id, $2) b on true
  where p.id = $1`;

export async function balance(em: EntityManager, profileId: string, now: Date): Promise<BalanceRow | null> {
  const rows = await runNamed<BalanceRow>(em, 'vt_balance', BALANCE, [profileId, now]);
  return rows[0] ?? null;
}

export interface EndRow {
  session_id: string;
  profile_id: string;
  ended_at: Date;
  end_reason: string;
  total_seconds: number;
}

const END = 'select * from vt_end_session(p_session => $1, p_user => $2, p_only_profile => $3, p_now => $4)';

export async function endSession(em: EntityManager, sessionId: string, userId: string, onlyProfile: string | null, now: Date): Promise<EndRow | null> {
  const rows = await runNamed<EndRow>(em, 'vt_end_session', END, [sessionId, userId, onlyProfile, now]);
  return rows[0] ?? null;
}

// A settings change rewrites today's row (in the change's transaction), so every process's next
// beat or balance read sees the new limit and windows at once.
const REWRITE_TODAY = `update viewing_time_balances b set limit_minutes = $3, educational_exempt = $4, allowed = $5::tstzmultirange,
  educational_ignores_hours = $6, updated_at = $2 from vt_day_of($1, $2) d where b.id = d.id`;

export async function rewriteToday(em: EntityManager, profileId: string, now: Date, day: Day): Promise<void> {
  await runNamed(em, 'vt_rewrite_today', REWRITE_TODAY, [profileId, now, day.limitMinutes, day.educationalExempt, allowedLiteral(day.allowed), day.educationalIgnoresHours]);
}
