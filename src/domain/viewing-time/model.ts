// The viewing-time model: the settings a parent sets (Settings), a viewing day as its row stores it
// (Day), and a day with what was viewed and granted in it (Balance). dayAt is the one function that
// makes a Day from settings and an instant: the heartbeat, settings changes, grants, the reports and
// the demo seed all take it. Pure: the worker threads import it too.
import { dayIntervals, windowsFor, type AllowedHours, type Interval, type Overrides } from './allowed-hours.ts';
import { minutes } from './rules.ts';
import { addDays, spanAt, spanOf, weekStartOf, type Boundaries, type Span } from './viewing-day.ts';

/** The days of the week, Monday first (the viewing week's order). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Each day of the week's limit (minutes; null: no limit that day). */
export type DailyLimits = Record<Weekday, number | null>;
/** After `afterMinutes` of continuous counted viewing, `breakMinutes` of break. */
export interface BreakRule { afterMinutes: number; breakMinutes: number }
/** The time bank: at most `capMinutes`, banking from viewing day `from` on (the day after it was turned on). */
export interface Bank { capMinutes: number; from: string }

/** A kids profile's viewing-time settings (one row of viewing_time_configs, with its overrides). */
export interface Settings extends Boundaries {
  profileId: string;
  dailyLimits: DailyLimits;
  breakRule: BreakRule | null;
  weeklyLimitMinutes: number | null;
  bank: Bank | null;
  finishGraceMinutes: number;
  educationalExempt: boolean;
  allowedHours: AllowedHours;
  educationalIgnoresHours: boolean;
  /** Upcoming viewing days' own windows (from two days ago on). */
  overrides: Overrides;
  version: number;
  updatedAt: Date;
}

/** A viewing day as its row (viewing_time_balances) stores it, counters aside. */
export interface Day {
  date: string;
  start: Date;
  end: Date;
  /** Minutes allowed that day; null: no limit. */
  limitMinutes: number | null;
  /** The break rule that day's viewing follows; null: none. */
  breakRule: BreakRule | null;
  /** The weekly limit over the viewing week the day belongs to, and that week's end (the next Monday's day start). */
  weeklyLimitMinutes: number | null;
  weekEnd: Date;
  /** The bank's cap when the day banks (the bank on, and the day on or after its `from`); null: it does not. */
  bankCapMinutes: number | null;
  /** Minutes of grace to finish a title past a limit (0: none). */
  finishGraceMinutes: number;
  educationalExempt: boolean;
  /** The day's allowed intervals: null any time, [] none. */
  allowed: Interval[] | null;
  educationalIgnoresHours: boolean;
}

/** The break count a day row holds, carried from row to row: continuous counted viewing up to countedAt, and a break running until breakUntil. */
export interface BreakCount {
  continuousSeconds: number;
  countedAt: Date | null;
  breakUntil: Date | null;
}

/** The week and the bank as a day row holds them from its creation (vt_week): the bank at the day's start, what the week's earlier days counted and were granted. */
export interface WeekFigures {
  bankSeconds: number;
  weekUsedSeconds: number;
  weekBonusSeconds: number;
}

/** A day row: the day, what was viewed and granted in it (seconds), the break count, the week and the bank. */
export interface Balance extends Day, BreakCount, WeekFigures {
  usedSeconds: number;
  educationalSeconds: number;
  bonusSeconds: number;
  unlimited: boolean;
  /** Watched in finishing graces (counted towards nothing). */
  overtimeSeconds: number;
}

/** A config row's fields, as the ORM or vt_config_json() hand them over. */
export interface ConfigFields {
  timezone: string;
  resetHour: number;
  mondayLimitMinutes?: number | null;
  tuesdayLimitMinutes?: number | null;
  wednesdayLimitMinutes?: number | null;
  thursdayLimitMinutes?: number | null;
  fridayLimitMinutes?: number | null;
  saturdayLimitMinutes?: number | null;
  sundayLimitMinutes?: number | null;
  breakAfterMinutes?: number | null;
  breakMinutes?: number | null;
  weeklyLimitMinutes?: number | null;
  bankCapMinutes?: number | null;
  bankFrom?: string | Date | null;
  finishGraceMinutes?: number | null;
  previousTimezone?: string | null;
  previousResetHour?: number | null;
  settingsEffectiveAt?: Date | null;
  educationalExempt: boolean;
  allowedHours: AllowedHours;
  educationalIgnoresHours?: boolean;
  version: number;
  updatedAt: Date;
}

/** The one reading of stored settings into the model. */
export function settingsFrom(profileId: string, c: ConfigFields, overrides: Overrides): Settings {
  return {
    profileId, timezone: c.timezone, resetHour: c.resetHour,
    previous: c.settingsEffectiveAt ? { timezone: c.previousTimezone ?? c.timezone, resetHour: c.previousResetHour ?? c.resetHour } : null,
    effectiveFrom: c.settingsEffectiveAt ?? null,
    dailyLimits: Object.fromEntries(WEEKDAYS.map((d) => [d, c[`${d}LimitMinutes`] ?? null])) as DailyLimits,
    breakRule: c.breakAfterMinutes ? { afterMinutes: c.breakAfterMinutes, breakMinutes: c.breakMinutes! } : null,
    weeklyLimitMinutes: c.weeklyLimitMinutes ?? null,
    bank: c.bankCapMinutes && c.bankFrom ? { capMinutes: c.bankCapMinutes, from: typeof c.bankFrom === 'string' ? c.bankFrom.slice(0, 10) : c.bankFrom.toISOString().slice(0, 10) } : null,
    finishGraceMinutes: c.finishGraceMinutes ?? 0,
    educationalExempt: c.educationalExempt, allowedHours: c.allowedHours, educationalIgnoresHours: c.educationalIgnoresHours ?? false,
    overrides, version: c.version, updatedAt: c.updatedAt,
  };
}

/** Settings as vt_config_json() hands them back (snake_case, overrides as a date → windows object). */
export function settingsFromRow(profileId: string, r: Record<string, unknown>): Settings {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date));
  return settingsFrom(profileId, {
    timezone: r.timezone as string, resetHour: Number(r.reset_hour),
    ...Object.fromEntries(WEEKDAYS.map((d) => [`${d}LimitMinutes`, (r[`${d}_limit_minutes`] as number | null) ?? null])),
    breakAfterMinutes: (r.break_after_minutes as number | null) ?? null, breakMinutes: (r.break_minutes as number | null) ?? null,
    weeklyLimitMinutes: (r.weekly_limit_minutes as number | null) ?? null, bankCapMinutes: (r.bank_cap_minutes as number | null) ?? null,
    bankFrom: (r.bank_from as string | null) ?? null, finishGraceMinutes: (r.finish_grace_minutes as number | null) ?? 0,
    previousTimezone: (r.previous_timezone as string | null) ?? null,
    previousResetHour: r.previous_reset_hour === null || r.previous_reset_hour === undefined ? null : Number(r.previous_reset_hour),
    settingsEffectiveAt: date(r.settings_effective_at), educationalExempt: Boolean(r.educational_exempt ?? true),
    allowedHours: { weekdays: [], weekends: [], ...(r.allowed_hours as Partial<AllowedHours> | null ?? {}) },
    educationalIgnoresHours: Boolean(r.educational_ignores_hours), version: Number(r.version ?? 0), updatedAt: date(r.updated_at) ?? new Date(0),
  }, (r.overrides as Overrides | null) ?? {});
}

/** The day of the week of a viewing day (its date's). */
export const weekdayOf = (span: Pick<Span, 'weekday'>): Weekday => WEEKDAYS[(span.weekday + 6) % 7];

function dayFrom(s: Settings, span: Span): Day {
  return {
    date: span.date, start: span.start, end: span.end,
    limitMinutes: s.dailyLimits[weekdayOf(span)],
    breakRule: s.breakRule,
    weeklyLimitMinutes: s.weeklyLimitMinutes,
    weekEnd: spanOf(addDays(weekStartOf(span.date), 7), s).start,
    bankCapMinutes: s.bank && span.date >= s.bank.from ? s.bank.capMinutes : null,
    finishGraceMinutes: s.finishGraceMinutes,
    educationalExempt: s.educationalExempt,
    allowed: dayIntervals(span, windowsFor(span, s.allowedHours, s.overrides)),
    educationalIgnoresHours: s.educationalIgnoresHours,
  };
}

/** The viewing day containing `at` under these settings. */
export const dayAt = (s: Settings, at: Date): Day => dayFrom(s, spanAt(at, s));

/** The viewing day with this date under these settings. */
export const dayOf = (s: Settings, date: string): Day => dayFrom(s, spanOf(date, s));

const NO_COUNT: BreakCount = { continuousSeconds: 0, countedAt: null, breakUntil: null };

const NO_WEEK: WeekFigures = { bankSeconds: 0, weekUsedSeconds: 0, weekBonusSeconds: 0 };

/**
 * A day nobody has watched in or been granted anything yet, with the break count an earlier row
 * carries over and the week's figures (vt_week), as vt_today_row will create it.
 */
export const untouched = (day: Day, carried: BreakCount = NO_COUNT, week: WeekFigures = NO_WEEK): Balance => ({
  ...day, usedSeconds: 0, educationalSeconds: 0, bonusSeconds: 0, unlimited: false, overtimeSeconds: 0, ...(day.breakRule ? carried : NO_COUNT), ...week,
});

type Allowance = Pick<Balance, 'limitMinutes' | 'unlimited' | 'bonusSeconds' | 'usedSeconds' | 'bankCapMinutes' | 'bankSeconds' | 'weeklyLimitMinutes' | 'weekUsedSeconds' | 'weekBonusSeconds'>;

const least = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/** The bank available to the day: its bank at the start, trimmed to the cap in force; 0 when the day does not bank. */
export const bankAvailable = (b: Pick<Allowance, 'bankCapMinutes' | 'bankSeconds'>): number => (b.bankCapMinutes === null ? 0 : Math.min(b.bankSeconds, b.bankCapMinutes * 60));

/** Bank spent today: what was counted past the day's limit and grants (the bank pays after them). */
export const bankSpent = (b: Allowance): number =>
  (b.limitMinutes === null || b.unlimited ? 0 : Math.min(bankAvailable(b), Math.max(0, b.usedSeconds - b.limitMinutes * 60 - b.bonusSeconds)));

/** What the day adds to the bank at its end: its unused limit (nothing without a limit, on an unlimited day, or when it does not bank). */
export const banked = (b: Allowance): number =>
  (b.bankCapMinutes === null || b.limitMinutes === null || b.unlimited ? 0 : Math.max(0, b.limitMinutes * 60 - b.usedSeconds));

/** The week's term: weekly limit + the week's grants − counted this week, never below 0; null without a weekly limit. */
export const weekLeft = (b: Allowance): number | null =>
  (b.weeklyLimitMinutes === null ? null : Math.max(0, b.weeklyLimitMinutes * 60 + b.weekBonusSeconds + b.bonusSeconds - b.weekUsedSeconds - b.usedSeconds));

/**
 * The allowance left (seconds): the smaller of the day's term (limit + grants + bank − counted)
 * and the week's, never below 0; null when neither applies or the day is unlimited today. The
 * same rule as SQL's vt_remaining, which the statements apply under the row lock; this one reads
 * a balance already fetched.
 */
export const budgetLeft = (b: Allowance): number | null =>
  (b.unlimited ? null : least(b.limitMinutes === null ? null : Math.max(0, b.limitMinutes * 60 + b.bonusSeconds + bankAvailable(b) - b.usedSeconds), weekLeft(b)));

/** Is a break running at `now`? */
export const inBreak = (b: Pick<BreakCount, 'breakUntil'>, now: Date): boolean => b.breakUntil !== null && b.breakUntil.getTime() > now.getTime();

/**
 * Counted viewing left before the next break (seconds); null without a break rule. The same count
 * as SQL's vt_count, read at `now`: a stretch of break_minutes with nothing counted has reset it.
 */
export function breakLeft(b: Pick<Balance, 'breakRule'> & BreakCount, now: Date): number | null {
  if (!b.breakRule) return null;
  const idle = b.countedAt ? now.getTime() - b.countedAt.getTime() : Infinity;
  const continuous = idle >= b.breakRule.breakMinutes * 60_000 ? 0 : b.continuousSeconds;
  return Math.max(0, b.breakRule.afterMinutes * 60 - continuous);
}

/** A pause or a break as the reports read it: from `start` to `end` (null: still running, until lifted). */
export interface RuleSpan { kind: 'pause' | 'break'; start: Date; end: Date | null }

/**
 * Minutes of a viewing day (up to `now`) spent paused by a parent and in breaks, whether or not
 * anyone tried to watch: the overlap of each span with the day (history and the weekly report).
 */
export function ruleMinutes(spans: RuleSpan[], day: { start: Date; end: Date }, now: Date): { paused_minutes: number; break_minutes: number } {
  const out = { paused: 0, breaks: 0 };
  const until = Math.min(day.end.getTime(), now.getTime());
  for (const s of spans) {
    const overlap = Math.min(s.end?.getTime() ?? Infinity, until) - Math.max(s.start.getTime(), day.start.getTime());
    if (overlap > 0) out[s.kind === 'pause' ? 'paused' : 'breaks'] += overlap / 1000;
  }
  return { paused_minutes: minutes(out.paused), break_minutes: minutes(out.breaks) };
}
