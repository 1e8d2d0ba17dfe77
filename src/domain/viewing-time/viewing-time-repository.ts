import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';
import type { Interval } from './allowed-hours.ts';
import type { Balance, Day, WeekFigures } from './model.ts';

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
  /** Where the player is in the title (seconds), when it says: a finishing grace needs it. */
  position: number | null;
  now: Date;
  /** The day containing `now` (today.ts): used only to create its row; null while that row is known to exist. */
  day: DayParam | null;
}

export type BeatOutcome = 'ok' | 'retry' | 'started' | 'resumed' | 'superseded' | 'need_day' | 'no_profile' | 'inactive' | 'no_title' | 'not_found';

/** The week, the bank and finishing the title as a day row holds them (vt_week, vt_remaining), and a grace running on the session. */
export interface WeekColumns {
  weekly_limit_minutes: number | null;
  week_end: Date | null;
  bank_cap_minutes: number | null;
  bank_seconds: number | null;
  week_used_seconds: number | null;
  week_bonus_seconds: number | null;
  finish_grace_minutes: number | null;
  overtime_seconds: number | null;
  grace_until: Date | null;
}

export interface BeatRow extends WeekColumns {
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
  /** A parent's pause runs (until paused_until; null: until lifted). */
  paused: boolean | null;
  paused_until: Date | null;
  /** The day's break rule and the break count after this beat (vt_count). */
  break_after_minutes: number | null;
  break_minutes: number | null;
  continuous_seconds: number | null;
  counted_at: Date | null;
  break_until: Date | null;
  /** This beat's credit started a break. */
  break_started: boolean | null;
  /** Finishing the title: the limit a grace running on this session is for, and whether this beat started it. */
  grace_kind: 'budget' | 'window' | null;
  grace_started: boolean | null;
  /** What this beat credited to overtime, and to the day's count (metrics). */
  overtime_credited: number | null;
  credited: number | null;
}

/** Today's day as statement parameters, in the order of the p_day_* arguments of vt_today_row. */
export const dayParams = (p: DayParam | null) => [
  p?.day.date ?? null, p?.day.start ?? null, p?.day.end ?? null, p?.day.limitMinutes ?? null, p?.day.educationalExempt ?? null, p?.version ?? null,
  p ? allowedLiteral(p.day.allowed) : null, p?.day.educationalIgnoresHours ?? null, p?.day.breakRule?.afterMinutes ?? null, p?.day.breakRule?.breakMinutes ?? null,
  p?.day.weeklyLimitMinutes ?? null, p?.day.weekEnd ?? null, p?.day.bankCapMinutes ?? null, p?.day.finishGraceMinutes ?? null,
];

/** One beat's parameters, in the order of vt_heartbeats' arrays. */
const beatValues = (b: BeatInput): unknown[] => [b.userId, b.profileId, b.sessionId, b.titleId, b.deviceId, b.deviceType, b.paused, b.seq, b.now, ...dayParams(b.day), b.position];

const HEARTBEATS = `select * from vt_heartbeats(p_user => $1::uuid[], p_profile => $2::uuid[], p_session => $3::uuid[],
  p_title => $4::uuid[], p_device_id => $5::text[], p_device_type => $6::text[], p_paused => $7::boolean[], p_seq => $8::bigint[],
  p_now => $9::timestamptz[], p_day_date => $10::date[], p_day_start => $11::timestamptz[], p_day_end => $12::timestamptz[],
  p_day_limit => $13::integer[], p_day_exempt => $14::boolean[], p_config_version => $15::integer[], p_day_allowed => $16::text[],
  p_day_ignores => $17::boolean[], p_day_break_after => $18::integer[], p_day_break_minutes => $19::integer[], p_day_weekly => $20::integer[],
  p_day_week_end => $21::timestamptz[], p_day_bank_cap => $22::integer[], p_day_grace => $23::integer[], p_position => $24::integer[])`;

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

export interface BalanceRow extends WeekColumns {
  user_id: string;
  is_active: boolean;
  is_kids: boolean;
  /**
   * The profile's latest day row that has begun: today's when day_end is later than the instant,
   * else an earlier day's (nothing watched or granted today yet; it carries the break count over);
   * null when there is none.
   */
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
  break_after_minutes: number | null;
  break_minutes: number | null;
  continuous_seconds: number | null;
  counted_at: Date | null;
  break_until: Date | null;
  /** A parent's pause in force (until paused_until; null: until lifted). */
  paused: boolean;
  paused_until: Date | null;
  /** The graces the day has used: the budget's, and the window ends whose grace ran ('{…}' text). */
  grace_budget_used: boolean | null;
  grace_window_ends: Date[] | null;
  /** Without today's row: vt_week for the day the caller guessed (`week_date`, with its bank cap), if it guessed. */
  week_date: string | null;
  week_bank_seconds: number | null;
  week_week_used_seconds: number | null;
  week_week_bonus_seconds: number | null;
  /** The settings, for a kids profile without today's row: the caller computes the day from them. */
  config: Record<string, unknown> | null;
}

const breakRuleOf = (after: number | null, pause: number | null) => (after === null ? null : { afterMinutes: after, breakMinutes: pause! });

/** The break count a day row holds (and carries over to the next). */
export const breakCountOf = (r: Pick<BalanceRow, 'continuous_seconds' | 'counted_at' | 'break_until'>) => ({
  continuousSeconds: r.continuous_seconds ?? 0, countedAt: r.counted_at ? new Date(r.counted_at) : null, breakUntil: r.break_until ? new Date(r.break_until) : null,
});

/** The week and bank figures of a row (or a statement's answer). */
export const weekOf = (r: WeekColumns) => ({
  weeklyLimitMinutes: r.weekly_limit_minutes, weekEnd: new Date(r.week_end ?? 0), bankCapMinutes: r.bank_cap_minutes,
  bankSeconds: r.bank_seconds ?? 0, weekUsedSeconds: r.week_used_seconds ?? 0, weekBonusSeconds: r.week_bonus_seconds ?? 0,
});

/** A day row as the model's Balance. */
export function balanceOf(r: BalanceRow): Balance {
  return {
    date: r.reset_date!, start: new Date(r.day_start!), end: new Date(r.day_end!), limitMinutes: r.limit_minutes, educationalExempt: r.educational_exempt!,
    allowed: parseAllowed(r.allowed), educationalIgnoresHours: r.educational_ignores_hours!, breakRule: breakRuleOf(r.break_after_minutes, r.break_minutes),
    usedSeconds: r.used_seconds!, educationalSeconds: r.educational_seconds!, bonusSeconds: r.bonus_seconds!, unlimited: r.is_unlimited_override!,
    finishGraceMinutes: r.finish_grace_minutes ?? 0, overtimeSeconds: r.overtime_seconds ?? 0,
    ...breakCountOf(r), ...weekOf(r),
  };
}

// The caller's profile, its account, its latest day row begun by $2 (today's, or the one a new day
// carries the break count over from), a parent's pause in force and a grace running on its session,
// read fresh: a limit change, grant or pause answered on any process is seen at once
// (read-your-writes). Without today's row, the week's figures for the day the caller guessed
// ($3, banking with cap $4) come along, as vt_today_row would compute them.
const BALANCE = `select p.user_id, u.is_active, p.is_kids, b.reset_date::text as reset_date, b.day_start, b.day_end, b.used_seconds,
    b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt, b.allowed::text as allowed,
    b.educational_ignores_hours, b.break_after_minutes, b.break_minutes, b.continuous_seconds, b.counted_at, b.break_until,
    b.weekly_limit_minutes, b.week_end, b.bank_cap_minutes, b.bank_seconds, b.week_used_seconds, b.week_bonus_seconds,
    b.finish_grace_minutes, b.overtime_seconds, b.grace_budget_used, b.grace_window_ends,
    s.id is not null as paused, s.ends_at as paused_until,
    (select v.grace_until from viewing_sessions v where v.profile_id = p.id and v.ended_at is null) as grace_until,
    w.date as week_date, w.bank_seconds as week_bank_seconds, w.week_used_seconds as week_week_used_seconds, w.week_bonus_seconds as week_week_bonus_seconds,
    case when p.is_kids and (b.id is null or b.day_end <= $2) then vt_config_json(p.id) end as config
  from profiles p join users u on u.id = p.user_id
  left join lateral (select * from viewing_time_balances l where l.profile_id = p.id and l.day_start <= $2 order by l.day_end desc limit 1) b on true
  left join vt_pause_of(p.id, $2) s on true
  left join lateral (select $3::text as date, k.* from vt_week(p.id, $3::date, $4::integer) k
                      where p.is_kids and $3::text is not null and (b.id is null or b.day_end <= $2)) w on true
  where p.id = $1`;

export async function balance(em: EntityManager, profileId: string, now: Date, guess: { date: string; bankCapMinutes: number | null } | null): Promise<BalanceRow | null> {
  const rows = await runNamed<BalanceRow>(em, 'vt_balance', BALANCE, [profileId, now, guess?.date ?? null, guess?.bankCapMinutes ?? null]);
  return rows[0] ?? null;
}

const WEEK = 'select bank_seconds, week_used_seconds, week_bonus_seconds from vt_week($1, $2::date, $3::integer)';

/** The week's figures at the start of a day without a row yet, as vt_today_row will compute them (a balance read whose guess missed). */
export async function week(em: EntityManager, profileId: string, date: string, bankCapMinutes: number | null): Promise<WeekFigures> {
  const [r] = await runNamed<{ bank_seconds: number; week_used_seconds: number; week_bonus_seconds: number }>(em, 'vt_week', WEEK, [profileId, date, bankCapMinutes]);
  return { bankSeconds: r.bank_seconds, weekUsedSeconds: r.week_used_seconds, weekBonusSeconds: r.week_bonus_seconds };
}

/** A title's length and whether it is educational (will it fit). */
export async function title(em: EntityManager, titleId: string): Promise<{ duration_minutes: number | null; is_educational: boolean } | null> {
  return (await runNamed<{ duration_minutes: number | null; is_educational: boolean }>(em, 'vt_title', 'select duration_minutes, is_educational from titles where id = $1', [titleId]))[0] ?? null;
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
// beat or balance read sees the new limit, windows and break rule at once. Turning the break rule
// off ends a break running now (its span ends here too).
const REWRITE_TODAY = `with today as (
    update viewing_time_balances b set limit_minutes = $3, educational_exempt = $4, allowed = $5::tstzmultirange,
      educational_ignores_hours = $6, break_after_minutes = $7, break_minutes = $8, weekly_limit_minutes = $9, week_end = $10,
      bank_cap_minutes = $11, finish_grace_minutes = $12,
      break_until = case when $7::integer is null and b.break_until > $2 then null else b.break_until end, updated_at = $2
    from vt_day_of($1, $2) d where b.id = d.id)
  update family_rule_spans s set closed_at = $2
   where $7::integer is null and s.profile_id = $1 and s.kind = 'break' and s.closed_at is null and s.ends_at > $2 and s.started_at <= $2`;

export async function rewriteToday(em: EntityManager, profileId: string, now: Date, day: Day): Promise<void> {
  await runNamed(em, 'vt_rewrite_today', REWRITE_TODAY, [profileId, now, day.limitMinutes, day.educationalExempt, allowedLiteral(day.allowed),
    day.educationalIgnoresHours, day.breakRule?.afterMinutes ?? null, day.breakRule?.breakMinutes ?? null, day.weeklyLimitMinutes, day.weekEnd,
    day.bankCapMinutes, day.finishGraceMinutes]);
}
