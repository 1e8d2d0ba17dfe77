// Viewing-day arithmetic (a pure time rule): which viewing day an instant belongs to, when it
// starts and ends, and how reset-hour / timezone changes roll over at the next boundary. What a
// day is allowed (its limit, its windows) is the model's business (model.ts dayAt).
import { DateTime, IANAZone } from 'luxon';

/** Where viewing days begin: the settings' timezone and reset hour, with a change pending until effectiveFrom. */
export interface Boundaries {
  timezone: string;
  resetHour: number;
  // settings in force before `effectiveFrom` (set when reset hour / timezone changed); null when none
  previous: { timezone: string; resetHour: number } | null;
  effectiveFrom: Date | null; // an instant that is a day boundary under the previous settings
}

/** One viewing day on the calendar: its date, its bounds, and the wall clock it runs on. */
export interface Span {
  date: string; // 'YYYY-MM-DD' — the viewing day's calendar date (the reset_date key)
  start: Date; // first instant of the viewing day
  end: Date; // first instant of the next viewing day (exclusive)
  weekday: number; // of the date: 0 Sunday .. 6 Saturday
  // the wall clock the day runs on: the previous settings until a pending change takes effect
  timezone: string;
  resetHour: number;
}

export interface BoundaryChange {
  timezone?: string;
  resetHour?: number;
}

/** A viewing day as epoch milliseconds; `day` is the calendar date as days since 1970-01-01. */
interface Ms {
  day: number;
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
// The first new-settings day begins at most ~49 h after effectiveFrom (23 h of reset hours plus a
// 26 h zone jump); beyond this margin the previous settings cannot affect the day any more.
const SETTLED_MS = 3 * DAY_MS;
const CACHE_LIMIT = 10_000;
// Boundaries are hit on every heartbeat but change once a day per (zone, hour): memoise them.
const boundaryCache = new Map<string, number>();

// IANA's geographic areas: a zone name is Area/Location[/Sublocation]. What ICU also accepts but the
// tz database does not name so (offsets such as +05:00, SystemV/*, US/Pacific-New, EST5EDT) is refused.
const IANA_NAME = /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)\/[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z][A-Za-z0-9_+-]*)?$/;

/** An IANA time zone name: Area/Location (browsers' names, old spellings such as Asia/Calcutta included) or UTC. */
export function isValidTimeZone(name: string): boolean {
  if (typeof name !== 'string') return false;
  if (name === 'UTC' || name === 'Etc/UTC') return true;
  return IANA_NAME.test(name) && IANAZone.isValidZone(name);
}

export function spanAt(now: Date, s: Boundaries): Span {
  const span = effectiveSpan(now.getTime(), s);
  const old = s.previous !== null && s.effectiveFrom !== null && now.getTime() < s.effectiveFrom.getTime();
  return {
    date: isoDate(span.day),
    start: new Date(span.start),
    end: new Date(span.end),
    weekday: weekdayOf(span.day),
    timezone: old ? s.previous!.timezone : s.timezone,
    resetHour: old ? s.previous!.resetHour : s.resetHour,
  };
}

export function withBoundaryChange<S extends Boundaries>(now: Date, s: S, change: BoundaryChange): S {
  const timezone = change.timezone ?? s.timezone;
  const resetHour = change.resetHour ?? s.resetHour;
  if (timezone === s.timezone && resetHour === s.resetHour) return s;
  assertSettings(timezone, resetHour);
  const ms = now.getTime();
  if (mergesIntoPending(ms, s)) {
    const { previous } = s;
    // Reverting to the previous values cancels the pending change (behaviour is identical either way).
    const reverted = previous !== null && previous.timezone === timezone && previous.resetHour === resetHour;
    return reverted ? { ...s, timezone, resetHour, previous: null, effectiveFrom: null } : { ...s, timezone, resetHour };
  }
  return {
    ...s,
    timezone,
    resetHour,
    previous: { timezone: s.timezone, resetHour: s.resetHour },
    effectiveFrom: new Date(effectiveSpan(ms, s).end),
  };
}

/** True when a new change must be folded into the stored pending one instead of starting another. */
function mergesIntoPending(ms: number, s: Boundaries): boolean {
  if (s.previous === null || s.effectiveFrom === null) return false;
  if (ms < s.effectiveFrom.getTime()) return true;
  // Before the new reset hour is first reached the day's date comes from the carry-over rule,
  // which a single `previous` slot could not reproduce after being overwritten.
  return effectiveSpan(ms, s).day !== msSpan(ms, s.timezone, s.resetHour).day;
}

function effectiveSpan(ms: number, s: Boundaries): Ms {
  const { previous, effectiveFrom } = s;
  if (previous === null || effectiveFrom === null) return msSpan(ms, s.timezone, s.resetHour);
  const from = effectiveFrom.getTime();
  if (ms < from) {
    const old = msSpan(ms, previous.timezone, previous.resetHour);
    old.end = Math.min(old.end, from); // guards against an effectiveFrom that is not an old boundary
    return old;
  }
  const d = msSpan(ms, s.timezone, s.resetHour);
  if (d.start >= from + SETTLED_MS) return d;
  const firstDay = msSpan(from - 1, previous.timezone, previous.resetHour).day + 1;
  // Never reuse a date that already ended under the old settings: carry on with the next date.
  if (d.day < firstDay) return { day: firstDay, start: from, end: boundary(firstDay + 1, s.timezone, s.resetHour) };
  // The first day after the switch starts exactly at the old boundary, so days stay contiguous.
  if (d.day === firstDay || d.start < from) d.start = from;
  return d;
}

/** The viewing day containing instant `ms` for a single (timezone, resetHour) pair. */
function msSpan(ms: number, timezone: string, resetHour: number): Ms {
  let day = localDay(ms, timezone);
  let start = boundary(day, timezone, resetHour);
  while (ms < start) start = boundary(--day, timezone, resetHour);
  let end = boundary(day + 1, timezone, resetHour);
  // A fall-back at midnight can put the next day's first reset before a still-"today" local time.
  while (ms >= end) {
    day += 1;
    start = end;
    end = boundary(day + 1, timezone, resetHour);
  }
  return { day, start, end };
}

/** Local calendar date of `ms` in `timezone`, as days since 1970-01-01. */
function localDay(ms: number, timezone: string): number {
  const local = DateTime.fromMillis(ms, { zone: timezone });
  if (!local.isValid) throw new RangeError(`Invalid timezone: ${timezone}`);
  return Date.UTC(local.year, local.month - 1, local.day) / DAY_MS;
}

/** First instant of `day` at `resetHour` local time (memoised). */
function boundary(day: number, timezone: string, resetHour: number): number {
  const key = `${timezone}|${resetHour}|${day}`;
  let ms = boundaryCache.get(key);
  if (ms === undefined) {
    ms = computeBoundary(day, timezone, resetHour);
    if (boundaryCache.size >= CACHE_LIMIT) boundaryCache.clear();
    boundaryCache.set(key, ms);
  }
  return ms;
}

function computeBoundary(day: number, timezone: string, resetHour: number): number {
  const date = new Date(day * DAY_MS);
  const local = DateTime.fromObject(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: resetHour },
    { zone: timezone },
  );
  if (!local.isValid) throw new RangeError(`Invalid timezone or reset hour: ${timezone} ${resetHour}`);
  // luxon moves a time inside a spring-forward gap to the instant the clocks jump; for a time that
  // occurs twice it may pick either occurrence, so take the earliest one explicitly.
  let ms = local.toMillis();
  for (const candidate of local.getPossibleOffsets()) ms = Math.min(ms, candidate.toMillis());
  return ms;
}

function assertSettings(timezone: string, resetHour: number): void {
  if (!isValidTimeZone(timezone)) throw new RangeError(`Invalid timezone: ${timezone}`);
  if (!Number.isInteger(resetHour) || resetHour < 0 || resetHour > 23) {
    throw new RangeError(`Invalid reset hour: ${resetHour}`);
  }
}

function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** A viewing date `n` days later ('YYYY-MM-DD'). */
export function addDays(date: string, n: number): string {
  return isoDate(Date.parse(`${date}T00:00:00Z`) / DAY_MS + n);
}

/** The Monday of a viewing date's viewing week (the week runs Monday's viewing day to Sunday's). */
export function weekStartOf(date: string): string {
  const day = Date.parse(`${date}T00:00:00Z`) / DAY_MS;
  return isoDate(day - ((weekdayOf(day) + 6) % 7));
}

/** The viewing day that carries a given date (an instant an hour after that date's reset hour). */
export function spanOf(date: string, s: Boundaries): Span {
  const local = DateTime.fromISO(`${date}T${String(s.resetHour).padStart(2, '0')}:00`, { zone: s.timezone }).plus({ hours: 1 });
  return spanAt(local.toJSDate(), s);
}
