import { dayAt, type DailyLimits, type Settings } from '../../src/domain/viewing-time/model.ts';
import {
  isValidTimeZone,
  spanAt as viewingDayAt,
  withBoundaryChange,
  type Boundaries as DaySettings,
  type Span as ViewingDay,
} from '../../src/domain/viewing-time/viewing-day.ts';

const HOUR = 3_600_000;
const at = (iso: string): Date => new Date(iso);

const week = (weekday: number | null, weekend: number | null): DailyLimits => ({
  monday: weekday, tuesday: weekday, wednesday: weekday, thursday: weekday, friday: weekday, saturday: weekend, sunday: weekend,
});

function settings(timezone: string, resetHour: number, extra: Partial<Settings> = {}): Settings {
  return {
    profileId: 'p', timezone, resetHour, previous: null, effectiveFrom: null,
    dailyLimits: week(60, 120), breakRule: null, weeklyLimitMinutes: null, bank: null, finishGraceMinutes: 0, educationalExempt: true, allowedHours: { weekdays: [], weekends: [] }, educationalIgnoresHours: false,
    overrides: {}, version: 1, updatedAt: new Date(0),
    ...extra,
  };
}

/** The day's date and limit, as the model gives them (the weekday picks the limit). */
const limited = (iso: string, s: Settings) => {
  const d = dayAt(s, at(iso));
  return { date: d.date, isWeekend: [0, 6].includes(viewingDayAt(at(iso), s).weekday), limitMinutes: d.limitMinutes };
};

/** Compact, comparable view of a day: date plus UTC start/end instants. */
function span(day: ViewingDay): { date: string; start: string; end: string } {
  return { date: day.date, start: day.start.toISOString(), end: day.end.toISOString() };
}

const hours = (day: ViewingDay): number => (day.end.getTime() - day.start.getTime()) / HOUR;

/** Walks `count` consecutive days from `from`; each day must start where the previous one ended. */
function walk(from: Date, s: DaySettings, count: number): ViewingDay[] {
  const days = [viewingDayAt(from, s)];
  for (let i = 1; i < count; i++) {
    const next = viewingDayAt(days[i - 1].end, s);
    expect(next.start.getTime()).toBe(days[i - 1].end.getTime());
    expect(next.date > days[i - 1].date).toBe(true);
    days.push(next);
  }
  return days;
}

/** Samples every `stepMs`: each instant lies in its day, and a date always maps to one start/end. */
function expectConsistent(s: DaySettings, from: Date, to: Date, stepMs = 15 * 60_000): void {
  const seen = new Map<string, string>();
  let previousEnd: number | null = null;
  for (let t = from.getTime(); t < to.getTime(); t += stepMs) {
    const day = viewingDayAt(new Date(t), s);
    expect(day.start.getTime()).toBeLessThanOrEqual(t);
    expect(day.end.getTime()).toBeGreaterThan(t);
    const key = `${day.start.toISOString()}/${day.end.toISOString()}`;
    if (!seen.has(day.date)) {
      // A new date starts exactly where the last one ended: no gaps, no overlaps.
      if (previousEnd !== null) expect(day.start.getTime()).toBe(previousEnd);
      seen.set(day.date, key);
    }
    expect(seen.get(day.date)).toBe(key);
    previousEnd = day.end.getTime();
  }
}

describe('viewingDayAt — reset-hour boundary', () => {
  const berlin6 = settings('Europe/Berlin', 6);

  it('one minute before the reset hour is still the previous date', () => {
    // 2026-03-11 05:59 CET (+01:00)
    expect(span(viewingDayAt(at('2026-03-11T04:59:00Z'), berlin6))).toEqual({
      date: '2026-03-10',
      start: '2026-03-10T05:00:00.000Z',
      end: '2026-03-11T05:00:00.000Z',
    });
  });

  it('the reset hour itself starts the new date', () => {
    const day = viewingDayAt(at('2026-03-11T05:00:00Z'), berlin6);
    expect(span(day)).toEqual({
      date: '2026-03-11',
      start: '2026-03-11T05:00:00.000Z',
      end: '2026-03-12T05:00:00.000Z',
    });
    expect(hours(day)).toBe(24);
  });

  it('the next reset is the end of the current viewing day', () => {
    expect(viewingDayAt(at('2026-03-11T12:00:00Z'), berlin6).end.toISOString()).toBe('2026-03-12T05:00:00.000Z');
  });

  it('resetHour 0 follows local midnight', () => {
    const midnight = settings('Europe/Berlin', 0);
    expect(viewingDayAt(at('2026-03-10T22:59:59Z'), midnight).date).toBe('2026-03-10');
    expect(span(viewingDayAt(at('2026-03-10T23:00:00Z'), midnight))).toEqual({
      date: '2026-03-11',
      start: '2026-03-10T23:00:00.000Z',
      end: '2026-03-11T23:00:00.000Z',
    });
  });

  it('rejects an unknown timezone', () => {
    expect(() => viewingDayAt(at('2026-03-11T05:00:00Z'), settings('Mars/Olympus', 6))).toThrow(RangeError);
  });
});

describe('dayAt — weekend and limits (model.ts)', () => {
  const berlin6 = settings('Europe/Berlin', 6);

  it('Saturday 03:00 local is still Friday with the weekday limit', () => {
    expect(limited('2026-03-14T02:00:00Z', berlin6)).toEqual({ date: '2026-03-13', isWeekend: false, limitMinutes: 60 });
  });

  it('Saturday 06:00 local is Saturday with the weekend limit', () => {
    expect(limited('2026-03-14T05:00:00Z', berlin6)).toEqual({ date: '2026-03-14', isWeekend: true, limitMinutes: 120 });
  });

  it('Monday 05:59 local is still Sunday (weekend)', () => {
    expect(limited('2026-03-16T04:59:00Z', berlin6)).toEqual({ date: '2026-03-15', isWeekend: true, limitMinutes: 120 });
  });

  it('Monday 06:00 local is a weekday', () => {
    expect(limited('2026-03-16T05:00:00Z', berlin6)).toMatchObject({ date: '2026-03-16', isWeekend: false });
  });

  it('unlimited limits give null', () => {
    const unlimited = settings('Europe/Berlin', 6, { dailyLimits: week(null, null) });
    expect(limited('2026-03-11T12:00:00Z', unlimited).limitMinutes).toBeNull();
    expect(limited('2026-03-14T12:00:00Z', unlimited).limitMinutes).toBeNull();
  });

  it('limits come from the current settings while the previous reset hour still applies', () => {
    const s = settings('Europe/Berlin', 8, {
      dailyLimits: week(45, 120),
      previous: { timezone: 'Europe/Berlin', resetHour: 6 },
      effectiveFrom: at('2026-03-12T05:00:00Z'),
    });
    expect(limited('2026-03-11T12:00:00Z', s)).toMatchObject({ date: '2026-03-11', limitMinutes: 45 });
  });
});

describe('viewingDayAt — DST', () => {
  it('Europe/Berlin spring-forward: the day across 2026-03-29 02:00 lasts 23 h', () => {
    const day = viewingDayAt(at('2026-03-28T12:00:00Z'), settings('Europe/Berlin', 6));
    expect(span(day)).toEqual({
      date: '2026-03-28',
      start: '2026-03-28T05:00:00.000Z', // 06:00 CET
      end: '2026-03-29T04:00:00.000Z', // 06:00 CEST
    });
    expect(hours(day)).toBe(23);
    expect(hours(viewingDayAt(day.end, settings('Europe/Berlin', 6)))).toBe(24);
  });

  it('Europe/Berlin fall-back: the day across 2026-10-25 03:00 lasts 25 h', () => {
    const day = viewingDayAt(at('2026-10-24T12:00:00Z'), settings('Europe/Berlin', 6));
    expect(span(day)).toEqual({
      date: '2026-10-24',
      start: '2026-10-24T04:00:00.000Z', // 06:00 CEST
      end: '2026-10-25T05:00:00.000Z', // 06:00 CET
    });
    expect(hours(day)).toBe(25);
  });

  it('Europe/Berlin reset 2 on 2026-03-29 (nonexistent hour) starts at 03:00 local', () => {
    const reset2 = settings('Europe/Berlin', 2);
    // 01:59 CET is still the 28th
    expect(viewingDayAt(at('2026-03-29T00:59:00Z'), reset2).date).toBe('2026-03-28');
    const day = viewingDayAt(at('2026-03-29T01:00:00Z'), reset2);
    expect(span(day)).toEqual({
      date: '2026-03-29',
      start: '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first instant after the gap
      end: '2026-03-30T00:00:00.000Z', // 02:00 CEST
    });
    expect(hours(day)).toBe(23);
  });

  it('America/New_York spring-forward 2026-03-08: 23 h day with reset 6', () => {
    const day = viewingDayAt(at('2026-03-07T20:00:00Z'), settings('America/New_York', 6));
    expect(span(day)).toEqual({
      date: '2026-03-07',
      start: '2026-03-07T11:00:00.000Z', // 06:00 EST
      end: '2026-03-08T10:00:00.000Z', // 06:00 EDT
    });
    expect(hours(day)).toBe(23);
  });

  it('America/New_York reset 2 on 2026-03-08 starts at 03:00 local', () => {
    const reset2 = settings('America/New_York', 2);
    expect(viewingDayAt(at('2026-03-08T06:59:00Z'), reset2).date).toBe('2026-03-07');
    const day = viewingDayAt(at('2026-03-08T07:00:00Z'), reset2);
    expect(span(day)).toEqual({
      date: '2026-03-08',
      start: '2026-03-08T07:00:00.000Z', // 03:00 EDT
      end: '2026-03-09T06:00:00.000Z', // 02:00 EDT
    });
  });

  it('America/New_York fall-back 2026-11-01: 25 h day with reset 6', () => {
    const day = viewingDayAt(at('2026-10-31T20:00:00Z'), settings('America/New_York', 6));
    expect(span(day)).toEqual({
      date: '2026-10-31',
      start: '2026-10-31T10:00:00.000Z', // 06:00 EDT
      end: '2026-11-01T11:00:00.000Z', // 06:00 EST
    });
    expect(hours(day)).toBe(25);
  });

  it('America/New_York reset 1 on 2026-11-01 (hour occurs twice) uses the first occurrence', () => {
    const reset1 = settings('America/New_York', 1);
    expect(viewingDayAt(at('2026-11-01T04:59:00Z'), reset1).date).toBe('2026-10-31');
    const expected = { date: '2026-11-01', start: '2026-11-01T05:00:00.000Z', end: '2026-11-02T06:00:00.000Z' };
    expect(span(viewingDayAt(at('2026-11-01T05:00:00Z'), reset1))).toEqual(expected); // 01:00 EDT
    expect(span(viewingDayAt(at('2026-11-01T06:30:00Z'), reset1))).toEqual(expected); // 01:30 EST
    expect(span(viewingDayAt(at('2026-10-31T12:00:00Z'), reset1)).end).toBe(expected.start);
  });

  it('Pacific/Auckland: 25 h day across DST end (2026-04-05) and 23 h across DST start (2026-09-27)', () => {
    const auckland = settings('Pacific/Auckland', 6);
    const end = viewingDayAt(at('2026-04-04T00:00:00Z'), auckland);
    expect(span(end)).toEqual({
      date: '2026-04-04',
      start: '2026-04-03T17:00:00.000Z', // 06:00 NZDT (+13)
      end: '2026-04-04T18:00:00.000Z', // 06:00 NZST (+12)
    });
    expect(hours(end)).toBe(25);
    const start = viewingDayAt(at('2026-09-26T00:00:00Z'), auckland);
    expect(span(start)).toEqual({
      date: '2026-09-26',
      start: '2026-09-25T18:00:00.000Z', // 06:00 NZST
      end: '2026-09-26T17:00:00.000Z', // 06:00 NZDT
    });
    expect(hours(start)).toBe(23);
  });

  it('Pacific/Auckland: the viewing date follows the local date, not the UTC date', () => {
    // Friday 20:00 UTC is Saturday 08:00 NZST
    const day = viewingDayAt(at('2026-04-10T20:00:00Z'), settings('Pacific/Auckland', 6));
    expect(limited('2026-04-10T20:00:00Z', settings('Pacific/Auckland', 6))).toEqual({ date: '2026-04-11', isWeekend: true, limitMinutes: 120 });
    expect(day.start.toISOString()).toBe('2026-04-10T18:00:00.000Z');
  });

  it('America/Santiago: reset 0 across the 24:00 fall-back keeps the repeated hour on the same date', () => {
    const santiago = settings('America/Santiago', 0);
    const day = viewingDayAt(at('2026-04-05T03:30:00Z'), santiago); // second 23:30 of 2026-04-04
    expect(span(day)).toEqual({
      date: '2026-04-04',
      start: '2026-04-04T03:00:00.000Z',
      end: '2026-04-05T04:00:00.000Z',
    });
    expectConsistent(santiago, at('2026-04-02T00:00:00Z'), at('2026-04-08T00:00:00Z'));
  });
});

describe('withBoundaryChange', () => {
  const wed10 = at('2026-03-11T09:00:00Z'); // Wednesday 10:00 CET

  it('returns the input unchanged when nothing changes', () => {
    const s = settings('Europe/Berlin', 6);
    expect(withBoundaryChange(wed10, s, {})).toBe(s);
    expect(withBoundaryChange(wed10, s, { resetHour: 6, timezone: 'Europe/Berlin' })).toBe(s);
  });

  it('rejects invalid values', () => {
    const s = settings('Europe/Berlin', 6);
    expect(() => withBoundaryChange(wed10, s, { resetHour: 24 })).toThrow(RangeError);
    expect(() => withBoundaryChange(wed10, s, { resetHour: 1.5 })).toThrow(RangeError);
    expect(() => withBoundaryChange(wed10, s, { timezone: 'Mars/Olympus' })).toThrow(RangeError);
  });

  it('reset 6 → 8 mid-day: today keeps its end, tomorrow starts at the old hour and ends at the new one', () => {
    const before = settings('Europe/Berlin', 6);
    const after = withBoundaryChange(wed10, before, { resetHour: 8 });
    expect(after).toMatchObject({
      resetHour: 8,
      previous: { timezone: 'Europe/Berlin', resetHour: 6 },
      effectiveFrom: at('2026-03-12T05:00:00Z'),
    });
    expect(span(viewingDayAt(wed10, after))).toEqual(span(viewingDayAt(wed10, before)));
    expect(viewingDayAt(wed10, after).end.toISOString()).toBe('2026-03-12T05:00:00.000Z'); // Thu 06:00
    const thursday = {
      date: '2026-03-12',
      start: '2026-03-12T05:00:00.000Z', // Thu 06:00
      end: '2026-03-13T07:00:00.000Z', // Fri 08:00
    };
    expect(span(viewingDayAt(at('2026-03-12T06:00:00Z'), after))).toEqual(thursday); // Thu 07:00
    expect(span(viewingDayAt(at('2026-03-12T08:00:00Z'), after))).toEqual(thursday); // Thu 09:00
    expect(span(viewingDayAt(at('2026-03-13T07:00:00Z'), after))).toEqual({
      date: '2026-03-13',
      start: '2026-03-13T07:00:00.000Z',
      end: '2026-03-14T07:00:00.000Z',
    });
  });

  it('reset 8 → 6 mid-day: the next day starts at the old end (08:00) and ends at 06:00 the day after', () => {
    const after = withBoundaryChange(wed10, settings('Europe/Berlin', 8), { resetHour: 6 });
    expect(after.effectiveFrom).toEqual(at('2026-03-12T07:00:00Z'));
    expect(span(viewingDayAt(at('2026-03-12T06:30:00Z'), after))).toEqual({
      date: '2026-03-11', // Thu 07:30 still belongs to Wednesday
      start: '2026-03-11T07:00:00.000Z',
      end: '2026-03-12T07:00:00.000Z',
    });
    expect(span(viewingDayAt(at('2026-03-12T07:00:00Z'), after))).toEqual({
      date: '2026-03-12',
      start: '2026-03-12T07:00:00.000Z', // Thu 08:00
      end: '2026-03-13T05:00:00.000Z', // Fri 06:00
    });
  });

  it('timezone change Europe/Berlin → America/New_York mid-day keeps the current day', () => {
    const before = settings('Europe/Berlin', 6);
    const after = withBoundaryChange(wed10, before, { timezone: 'America/New_York' });
    expect(after.previous).toEqual({ timezone: 'Europe/Berlin', resetHour: 6 });
    expect(span(viewingDayAt(wed10, after))).toEqual(span(viewingDayAt(wed10, before)));
    expect(span(viewingDayAt(at('2026-03-12T04:59:00Z'), after)).date).toBe('2026-03-11');
    // Thu 06:00 Berlin is Thu 01:00 EDT; the date continues with Thursday until 06:00 EDT Friday
    const thursday = { date: '2026-03-12', start: '2026-03-12T05:00:00.000Z', end: '2026-03-13T10:00:00.000Z' };
    expect(span(viewingDayAt(at('2026-03-12T05:00:00Z'), after))).toEqual(thursday);
    expect(span(viewingDayAt(at('2026-03-12T15:00:00Z'), after))).toEqual(thursday);
    expect(viewingDayAt(at('2026-03-13T10:00:00Z'), after).date).toBe('2026-03-13');
  });

  it('two changes before the boundary keep the first effectiveFrom', () => {
    const first = withBoundaryChange(wed10, settings('Europe/Berlin', 6), { resetHour: 8 });
    const second = withBoundaryChange(at('2026-03-11T14:00:00Z'), first, { resetHour: 9 });
    expect(second).toMatchObject({
      resetHour: 9,
      previous: { timezone: 'Europe/Berlin', resetHour: 6 },
      effectiveFrom: at('2026-03-12T05:00:00Z'),
    });
    expect(span(viewingDayAt(at('2026-03-12T06:00:00Z'), second))).toEqual({
      date: '2026-03-12',
      start: '2026-03-12T05:00:00.000Z',
      end: '2026-03-13T08:00:00.000Z', // Fri 09:00
    });
  });

  it('reverting a pending change before the boundary clears it', () => {
    const first = withBoundaryChange(wed10, settings('Europe/Berlin', 6), { resetHour: 8 });
    const reverted = withBoundaryChange(at('2026-03-11T14:00:00Z'), first, { resetHour: 6 });
    expect(reverted).toMatchObject({ resetHour: 6, previous: null, effectiveFrom: null });
  });

  it('a change after the boundary starts a new pending change at the end of the current day', () => {
    const first = withBoundaryChange(wed10, settings('Europe/Berlin', 6), { resetHour: 8 });
    const fri = at('2026-03-13T12:00:00Z');
    const second = withBoundaryChange(fri, first, { resetHour: 5 });
    expect(second).toMatchObject({
      resetHour: 5,
      previous: { timezone: 'Europe/Berlin', resetHour: 8 },
      effectiveFrom: at('2026-03-14T07:00:00Z'),
    });
    expect(span(viewingDayAt(fri, second))).toEqual(span(viewingDayAt(fri, first)));
  });

  it('a second change on the first day after a switch keeps that day’s date', () => {
    const first = withBoundaryChange(wed10, settings('Europe/Berlin', 6), { resetHour: 8 });
    const thu0730 = at('2026-03-12T06:30:00Z'); // Thursday before the new 08:00 reset hour
    const second = withBoundaryChange(thu0730, first, { resetHour: 10 });
    expect(viewingDayAt(thu0730, second).date).toBe('2026-03-12');
    expect(viewingDayAt(thu0730, second).start).toEqual(viewingDayAt(thu0730, first).start);
    expectConsistent(second, at('2026-03-10T00:00:00Z'), at('2026-03-16T00:00:00Z'));
  });
});

describe('contiguity', () => {
  it('walks 10 days across a reset-hour change and the Berlin spring-forward', () => {
    const changed = withBoundaryChange(at('2026-03-26T09:00:00Z'), settings('Europe/Berlin', 6), { resetHour: 8 });
    const days = walk(at('2026-03-24T05:00:00Z'), changed, 10);
    expect(days.map((d) => d.date)).toEqual([
      '2026-03-24', '2026-03-25', '2026-03-26', '2026-03-27', '2026-03-28',
      '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01', '2026-04-02',
    ]);
    expect(days.map(hours)).toEqual([24, 24, 24, 26, 23, 24, 24, 24, 24, 24]);
  });

  it('walks 10 days across a timezone change and the New York fall-back', () => {
    const changed = withBoundaryChange(at('2026-10-28T09:00:00Z'), settings('Europe/Berlin', 6), {
      timezone: 'America/New_York',
    });
    const days = walk(at('2026-10-26T05:00:00Z'), changed, 10);
    expect(days[0].date).toBe('2026-10-26');
    expect(days[9].date).toBe('2026-11-04');
  });

  it.each([
    ['Europe/Berlin', 6, 'Europe/Berlin', 8],
    ['Europe/Berlin', 8, 'Europe/Berlin', 6],
    ['Europe/Berlin', 6, 'America/New_York', 6],
    ['America/New_York', 6, 'Europe/Berlin', 6],
    ['Pacific/Pago_Pago', 23, 'Pacific/Kiritimati', 0],
    ['Pacific/Kiritimati', 0, 'Pacific/Pago_Pago', 23],
    ['Pacific/Auckland', 2, 'Europe/Berlin', 2],
  ])('%s %i → %s %i leaves no gaps or overlaps', (fromZone, fromHour, toZone, toHour) => {
    const changed = withBoundaryChange(at('2026-03-27T12:00:00Z'), settings(fromZone, fromHour), {
      timezone: toZone,
      resetHour: toHour,
    });
    expectConsistent(changed, at('2026-03-25T00:00:00Z'), at('2026-04-03T00:00:00Z'));
    walk(at('2026-03-25T00:00:00Z'), changed, 10);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and rejects others', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Pacific/Auckland')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('Not a zone')).toBe(false);
  });
});
