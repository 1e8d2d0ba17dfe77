// FROZEN: the viewing day the round-2 baseline sends with a viewer's first beats, computed as
// src/domain/viewing-time/viewing-day.ts did on main at 223ab76 (spanAt, boundary, localDay,
// isWeekendDay, isoDate) for the seeded settings: no pending change of timezone or reset hour.
// Copied, not imported: the service's time rules may change; what this baseline sends may not.
import { DateTime } from 'luxon';
import type { DayFacts } from './statement.ts';

const DAY_MS = 86_400_000;

/** The seeded viewing-time settings (load-tests/lib/seed-sql.ts KIDS): version 1, 120/180 min, reset at 06:00, educational exempt. */
export const SEEDED = { resetHour: 6, weekdayLimitMinutes: 120, weekendLimitMinutes: 180, configVersion: 1, educationalExempt: true } as const;

/** Local calendar date of `ms` in `timezone`, as days since 1970-01-01. */
function localDay(ms: number, timezone: string): number {
  const local = DateTime.fromMillis(ms, { zone: timezone });
  if (!local.isValid) throw new RangeError(`Invalid timezone: ${timezone}`);
  return Date.UTC(local.year, local.month - 1, local.day) / DAY_MS;
}

/** First instant of `day` at `resetHour` local time; of a time that occurs twice, the earliest. */
function boundary(day: number, timezone: string, resetHour: number): number {
  const date = new Date(day * DAY_MS);
  const local = DateTime.fromObject({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: resetHour }, { zone: timezone });
  if (!local.isValid) throw new RangeError(`Invalid timezone or reset hour: ${timezone} ${resetHour}`);
  let ms = local.toMillis();
  for (const candidate of local.getPossibleOffsets()) ms = Math.min(ms, candidate.toMillis());
  return ms;
}

/** The viewing day containing instant `ms` for one (timezone, resetHour) pair. */
export function spanAt(ms: number, timezone: string, resetHour: number): { day: number; start: number; end: number } {
  let day = localDay(ms, timezone);
  let start = boundary(day, timezone, resetHour);
  while (ms < start) start = boundary(--day, timezone, resetHour);
  let end = boundary(day + 1, timezone, resetHour);
  // a fall-back at midnight can put the next day's first reset before a still-"today" local time
  while (ms >= end) {
    day += 1;
    start = end;
    end = boundary(day + 1, timezone, resetHour);
  }
  return { day, start, end };
}

function isWeekendDay(day: number): boolean {
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday === 0 || weekday === 6;
}

/** The day facts round 2's baseline sent for a seeded viewer in `timezone` at `now`. */
export function seededDayAt(now: Date, timezone: string): DayFacts {
  const s = spanAt(now.getTime(), timezone, SEEDED.resetHour);
  return {
    date: new Date(s.day * DAY_MS).toISOString().slice(0, 10), start: new Date(s.start), end: new Date(s.end),
    limitMinutes: isWeekendDay(s.day) ? SEEDED.weekendLimitMinutes : SEEDED.weekdayLimitMinutes,
    educationalExempt: SEEDED.educationalExempt, configVersion: SEEDED.configVersion, allowed: null, educationalIgnoresHours: false,
  };
}

/** The viewing day per timezone, computed again once it ends (what the baseline did per beat). */
export function dayCache(): (tz: string, now: Date) => DayFacts {
  const days = new Map<string, DayFacts>();
  return (tz, now) => {
    let d = days.get(tz);
    if (!d || now >= d.end) days.set(tz, (d = seededDayAt(now, tz)));
    return d;
  };
}
