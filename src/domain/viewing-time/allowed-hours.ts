// Allowed hours: windows of local wall-clock time, placed on a viewing
// day's own timeline. On viewing day D with reset hour R a time T >= R lies on date D and a time
// T < R on date D+1 ("01:00" with reset 06:00 is the night after); a `to` equal to R is the day's
// end. An edge inside a spring-forward gap moves to the first instant after it; an edge inside a
// repeated autumn hour means its first occurrence. SQL receives the resulting instants.
import { DateTime, IANAZone } from 'luxon';
import type { Span } from './viewing-day.ts';

export interface Window { from: string; to: string }
export interface AllowedHours { weekdays: Window[]; weekends: Window[] }
/** A viewing day's own windows: [] no viewing that day, null no restriction that day. */
export type Overrides = Record<string, Window[] | null>;
export interface Interval { start: Date; end: Date }

export const MAX_WINDOWS = 3;
export const NO_HOURS: AllowedHours = { weekdays: [], weekends: [] };
const DAY_MIN = 1440;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** Minutes from the reset on the day's timeline; a `to` at the reset hour is the day's end. */
function position(t: string, resetHour: number, isTo: boolean): number {
  const p = (minutesOf(t) - resetHour * 60 + DAY_MIN) % DAY_MIN;
  return isTo && p === 0 ? DAY_MIN : p;
}

export interface WindowProblem { field: string; message: string }

/** What is wrong with one list of windows (first problem, naming its field), or null. */
export function windowProblem(list: Window[], resetHour: number, path: string): WindowProblem | null {
  if (list.length > MAX_WINDOWS) return { field: path, message: `at most ${MAX_WINDOWS} windows` };
  const placed: { from: number; to: number; i: number }[] = [];
  for (const [i, w] of list.entries()) {
    for (const end of ['from', 'to'] as const) {
      const t = w[end];
      if (!TIME.test(t)) return { field: `${path}[${i}].${end}`, message: 'must be a time HH:MM' };
      if (minutesOf(t) % 15 !== 0) return { field: `${path}[${i}].${end}`, message: 'must be on a 15-minute grid (:00, :15, :30, :45)' };
    }
    const from = position(w.from, resetHour, false);
    const to = position(w.to, resetHour, true);
    if (from >= to) {
      const message = w.from === w.to ? 'must be after from' : `crosses the reset hour ${String(resetHour).padStart(2, '0')}:00 (the viewing day starts there): split the window in two`;
      return { field: `${path}[${i}].to`, message };
    }
    const clash = placed.find((p) => from < p.to && p.from < to);
    if (clash) return { field: `${path}[${i}]`, message: `overlaps ${path}[${clash.i}]` };
    placed.push({ from, to, i });
  }
  return null;
}

const isWeekend = (day: Span) => day.weekday === 0 || day.weekday === 6;

/** The windows in force on a viewing day: its override, else the weekday or weekend list; null = any time. */
export function windowsFor(day: Span, hours: AllowedHours, overrides: Overrides): Window[] | null {
  if (Object.hasOwn(overrides, day.date)) return overrides[day.date];
  const list = isWeekend(day) ? hours.weekends : hours.weekdays;
  return list.length ? list : null;
}

/** The allowed intervals of a viewing day for these windows: null = any time, [] = none. */
export function dayIntervals(day: Span, windows: Window[] | null): Interval[] | null {
  if (windows === null) return null;
  const out: Interval[] = [];
  for (const w of windows) {
    const from = edge(day, w.from, false);
    const to = edge(day, w.to, true);
    // a window that no longer fits the day's timeline (a reset-hour change waiting for its boundary) wraps
    const parts: [number, number][] = from < to ? [[from, to]] : [[from, day.end.getTime()], [day.start.getTime(), to]];
    for (const [a, b] of parts) {
      const start = Math.max(a, day.start.getTime());
      const end = Math.min(b, day.end.getTime());
      if (end > start) out.push({ start: new Date(start), end: new Date(end) });
    }
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The instant of local time `t` on the day's timeline. */
function edge(day: Span, t: string, isTo: boolean): number {
  if (isTo && position(t, day.resetHour, true) === DAY_MIN) return day.end.getTime();
  // a time before the reset hour lies on the next calendar date of the day's timeline
  const date = DateTime.fromISO(day.date, { zone: 'UTC' }).plus({ days: minutesOf(t) < day.resetHour * 60 ? 1 : 0 });
  return localInstant(day.timezone, date.year, date.month, date.day, minutesOf(t));
}

/** The instant of a local wall-clock time: in a spring-forward gap the first instant after it; repeated, its first occurrence. */
export function localInstant(timezone: string, year: number, month: number, day: number, minuteOfDay: number): number {
  const hour = Math.floor(minuteOfDay / 60);
  const minute = minuteOfDay % 60;
  const local = DateTime.fromObject({ year, month, day, hour, minute }, { zone: timezone });
  if (local.hour !== hour || local.minute !== minute) return gapEnd(timezone, local.toMillis());
  return Math.min(...local.getPossibleOffsets().map((o) => o.toMillis()));
}

/** The instant the clocks jumped, for a wall time luxon pushed past a gap (at most a few hours). */
function gapEnd(timezone: string, pushed: number): number {
  const zone = IANAZone.create(timezone);
  const after = zone.offset(pushed);
  let lo = pushed - 4 * 3_600_000; // before the jump
  let hi = pushed; // after it
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) === after) hi = mid; else lo = mid;
  }
  return Math.ceil(hi / 60_000) * 60_000;
}

/** The window containing `now` and the next edge after it, for the enforcement answer. */
export function whereIs(now: Date, intervals: Interval[] | null): { inside: boolean; windowEnd: Date | null; nextEdge: Date | null } {
  if (intervals === null) return { inside: true, windowEnd: null, nextEdge: null };
  const t = now.getTime();
  const current = intervals.find((i) => i.start.getTime() <= t && t < i.end.getTime()) ?? null;
  const edges = intervals.flatMap((i) => [i.start.getTime(), i.end.getTime()]).filter((e) => e > t);
  return { inside: current !== null, windowEnd: current?.end ?? null, nextEdge: edges.length ? new Date(Math.min(...edges)) : null };
}
