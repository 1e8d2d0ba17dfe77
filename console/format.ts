// Numbers and times as a parent reads them. Viewing days (YYYY-MM-DD) are calendar dates; instants
// are shown in the child's timezone (the settings'), which is where the limits apply.
import type { Fit, FitLimit } from './types.ts';

const LOCALE = 'en-GB';

/** 95 → "1 h 35 min"; fractions of a minute are rounded. */
export function duration(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

/** "in 40 min" or "40 min ago", from the browser's clock. */
export function relative(iso: string, now = Date.now()): string {
  const min = Math.round((Date.parse(iso) - now) / 60_000);
  if (min === 0) return 'just now';
  return min > 0 ? `in ${duration(min)}` : `${duration(-min)} ago`;
}

const dayFormat = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const shortDayFormat = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', timeZone: 'UTC' });
const longDayFormat = new Intl.DateTimeFormat(LOCALE, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

/** "2026-11-25" → "Wed 25 Nov" */
export const day = (date: string) => dayFormat.format(new Date(`${date}T00:00:00Z`));
/** "2026-11-25" → "Wed 25" (chart labels) */
export const shortDay = (date: string) => shortDayFormat.format(new Date(`${date}T00:00:00Z`));
export const longDay = (date: string) => longDayFormat.format(new Date(`${date}T00:00:00Z`));

/** An instant as a wall-clock time ("20:40") in the given timezone. */
export function clock(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso));
}

/** "Wed 25 Nov, 20:40" in the given timezone. */
export function when(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso));
}

/** Monday of the week holding `date` (YYYY-MM-DD), moved by `weeks`. */
export function monday(date: string, weeks = 0): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + weeks * 7);
  return d.toISOString().slice(0, 10);
}

/** Today's date in a timezone (the browser's when none). */
export function today(timeZone?: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const pad = (n: number) => String(n).padStart(2, '0');

/** "00:00", "00:15" … "23:45": the 15-minute grid of allowed hours, in the 24-hour form `clock` shows. */
export const QUARTER_HOURS = Array.from({ length: 96 }, (_, i) => `${pad(Math.floor(i / 4))}:${pad((i % 4) * 15)}`);

/** "Paused until 20:50" (", tomorrow" when that is another date there), or "Paused until lifted". */
export function pausedUntil(until: string | null, timeZone?: string): string {
  if (until === null) return 'Paused until lifted';
  const date = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(until));
  return `Paused until ${clock(until, timeZone)}${date === today(timeZone) ? '' : ' tomorrow'}`;
}

/** What stops a title, in a word or two: "Not now (paused)", "Only 15 of 22 min (budget)". */
export const FIT_LIMITS: Record<FitLimit, string> = { budget: 'budget', week: 'weekly limit', window: 'allowed hours', break: 'break', pause: 'paused' };

/**
 * A fit answer as a parent reads it: "Fits", "Fits (with 7 min to finish)" (only with the day's
 * finishing grace), "Only 15 of 22 min (budget)", "Not now (paused)".
 */
export function fitLine(f: Fit): string {
  const why = f.limited_by ? ` (${FIT_LIMITS[f.limited_by]})` : '';
  if (f.fits === 'no') return `Not now${why}`;
  if (f.fits === 'yes') {
    if (!f.finish_grace || f.needed_minutes === null || f.available_minutes === null) return 'Fits';
    return `Fits (with ${duration(Math.max(1, Math.round(f.needed_minutes - f.available_minutes)))} to finish)`;
  }
  if (f.available_minutes === null || f.needed_minutes === null) return `Only part of it${why}`;
  // never round what is left up to all of it: 21.6 of 22 min is "Only 21 of 22 min"
  const available = Math.floor(f.available_minutes);
  const needed = Math.round(f.needed_minutes);
  return needed < 60 ? `Only ${available} of ${needed} min${why}` : `Only ${duration(available)} of ${duration(needed)}${why}`;
}
