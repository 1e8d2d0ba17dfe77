// The viewing-time model: the settings a parent sets (Settings), a viewing day as its row stores it
// (Day), and a day with what was viewed and granted in it (Balance). dayAt is the one function that
// makes a Day from settings and an instant: the heartbeat, settings changes, grants, the reports and
// the demo seed all take it. Pure: the worker threads import it too.
import { dayIntervals, windowsFor, type AllowedHours, type Interval, type Overrides } from './allowed-hours.ts';
import { spanAt, spanOf, type Boundaries, type Span } from './viewing-day.ts';

/** A kids profile's viewing-time settings (one row of viewing_time_configs, with its overrides). */
export interface Settings extends Boundaries {
  profileId: string;
  weekdayLimitMinutes: number | null;
  weekendLimitMinutes: number | null;
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
  educationalExempt: boolean;
  /** The day's allowed intervals: null any time, [] none. */
  allowed: Interval[] | null;
  educationalIgnoresHours: boolean;
}

/** A day row: the day and what was viewed and granted in it (seconds). */
export interface Balance extends Day {
  usedSeconds: number;
  educationalSeconds: number;
  bonusSeconds: number;
  unlimited: boolean;
}

/** A config row's fields, as the ORM or vt_config_json() hand them over. */
export interface ConfigFields {
  timezone: string;
  resetHour: number;
  weekdayLimitMinutes?: number | null;
  weekendLimitMinutes?: number | null;
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
    weekdayLimitMinutes: c.weekdayLimitMinutes ?? null, weekendLimitMinutes: c.weekendLimitMinutes ?? null,
    educationalExempt: c.educationalExempt, allowedHours: c.allowedHours, educationalIgnoresHours: c.educationalIgnoresHours ?? false,
    overrides, version: c.version, updatedAt: c.updatedAt,
  };
}

/** Settings as vt_config_json() hands them back (snake_case, overrides as a date → windows object). */
export function settingsFromRow(profileId: string, r: Record<string, unknown>): Settings {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date));
  return settingsFrom(profileId, {
    timezone: r.timezone as string, resetHour: Number(r.reset_hour),
    weekdayLimitMinutes: (r.weekday_limit_minutes as number | null) ?? null, weekendLimitMinutes: (r.weekend_limit_minutes as number | null) ?? null,
    previousTimezone: (r.previous_timezone as string | null) ?? null,
    previousResetHour: r.previous_reset_hour === null || r.previous_reset_hour === undefined ? null : Number(r.previous_reset_hour),
    settingsEffectiveAt: date(r.settings_effective_at), educationalExempt: Boolean(r.educational_exempt ?? true),
    allowedHours: { weekdays: [], weekends: [], ...(r.allowed_hours as Partial<AllowedHours> | null ?? {}) },
    educationalIgnoresHours: Boolean(r.educational_ignores_hours), version: Number(r.version ?? 0), updatedAt: date(r.updated_at) ?? new Date(0),
  }, (r.overrides as Overrides | null) ?? {});
}

const isWeekend = (span: Span) => span.weekday === 0 || span.weekday === 6;

function dayFrom(s: Settings, span: Span): Day {
  return {
    date: span.date, start: span.start, end: span.end,
    limitMinutes: isWeekend(span) ? s.weekendLimitMinutes : s.weekdayLimitMinutes,
    educationalExempt: s.educationalExempt,
    allowed: dayIntervals(span, windowsFor(span, s.allowedHours, s.overrides)),
    educationalIgnoresHours: s.educationalIgnoresHours,
  };
}

/** The viewing day containing `at` under these settings. */
export const dayAt = (s: Settings, at: Date): Day => dayFrom(s, spanAt(at, s));

/** The viewing day with this date under these settings. */
export const dayOf = (s: Settings, date: string): Day => dayFrom(s, spanOf(date, s));

/** A day nobody has watched in or been granted anything yet. */
export const untouched = (day: Day): Balance => ({ ...day, usedSeconds: 0, educationalSeconds: 0, bonusSeconds: 0, unlimited: false });

/**
 * The budget left (seconds): limit + bonus − used, never below 0; null when unlimited (no limit,
 * or unlimited today). The same rule as SQL's vt_remaining, which the statements apply under the
 * row lock; this one reads a balance already fetched.
 */
export const budgetLeft = (b: Pick<Balance, 'limitMinutes' | 'unlimited' | 'bonusSeconds' | 'usedSeconds'>): number | null =>
  (b.limitMinutes === null || b.unlimited ? null : Math.max(0, b.limitMinutes * 60 + b.bonusSeconds - b.usedSeconds));
