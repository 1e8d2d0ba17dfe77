import { dayIntervals, localInstant, whereIs, windowProblem, windowsFor, type Window } from '../../src/domain/viewing-time/allowed-hours.ts';
import { spanAt as viewingDayAt, withBoundaryChange, type Boundaries as DaySettings } from '../../src/domain/viewing-time/viewing-day.ts';

const settings = (timezone: string, resetHour = 6): DaySettings => ({ timezone, resetHour, previous: null, effectiveFrom: null });
const day = (iso: string, s: DaySettings) => viewingDayAt(new Date(iso), s);
const placed = (iso: string, s: DaySettings, windows: Window[]) =>
  dayIntervals(day(iso, s), windows)!.map((i) => [i.start.toISOString(), i.end.toISOString()]);
const w = (from: string, to: string): Window => ({ from, to });

describe('window instants on a viewing day’s timeline', () => {
  it('a 23-hour day: the spring-forward night still holds an evening and a past-midnight window', () => {
    const s = settings('Europe/Berlin'); // 29 March 2026: 02:00 CET jumps to 03:00 CEST
    const d = day('2026-03-28T12:00:00Z', s);
    expect((d.end.getTime() - d.start.getTime()) / 3_600_000).toBe(23);
    expect(placed('2026-03-28T12:00:00Z', s, [w('07:00', '12:00'), w('20:00', '01:00')])).toEqual([
      ['2026-03-28T06:00:00.000Z', '2026-03-28T11:00:00.000Z'],
      ['2026-03-28T19:00:00.000Z', '2026-03-29T00:00:00.000Z'], // 01:00 CET, the night after
    ]);
  });

  it('a 25-hour day: a window to the reset hour runs to the day’s end, through the repeated hour', () => {
    const s = settings('Europe/Berlin'); // 25 October 2026: 03:00 CEST falls back to 02:00 CET
    const d = day('2026-10-24T12:00:00Z', s);
    expect((d.end.getTime() - d.start.getTime()) / 3_600_000).toBe(25);
    expect(placed('2026-10-24T12:00:00Z', s, [w('22:00', '06:00')])).toEqual([['2026-10-24T20:00:00.000Z', '2026-10-25T05:00:00.000Z']]);
  });

  it('an edge inside the spring-forward gap moves to the first instant after it', () => {
    const s = settings('Europe/Berlin');
    // 02:30 on 29 March does not exist: 03:00 CEST = 01:00Z
    expect(placed('2026-03-28T12:00:00Z', s, [w('02:30', '05:00')])).toEqual([['2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00.000Z']]);
    expect(new Date(localInstant('America/New_York', 2026, 3, 8, 2 * 60 + 15)).toISOString()).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
  });

  it('a window inside the repeated autumn hour is its first occurrence', () => {
    const s = settings('Europe/Berlin');
    expect(placed('2026-10-24T12:00:00Z', s, [w('02:15', '02:45')])).toEqual([['2026-10-25T00:15:00.000Z', '2026-10-25T00:45:00.000Z']]); // CEST
  });

  it('a window past midnight that crosses the day reset is refused; split in two, both halves are placed', () => {
    expect(windowProblem([w('20:00', '07:00')], 6, 'allowed_hours.weekdays')).toEqual({
      field: 'allowed_hours.weekdays[0].to', message: expect.stringMatching(/crosses the reset hour 06:00/),
    });
    const s = settings('UTC');
    expect(placed('2026-11-25T12:00:00Z', s, [w('20:00', '06:00'), w('06:00', '07:00')])).toEqual([
      ['2026-11-25T06:00:00.000Z', '2026-11-25T07:00:00.000Z'], // the morning after the reset: the day's start
      ['2026-11-25T20:00:00.000Z', '2026-11-26T06:00:00.000Z'], // to 06:00 = the day's end
    ]);
  });

  it('a reset hour inside a window: a window spanning the reset is refused, and 05:00-06:00 lies at the end of the day', () => {
    expect(windowProblem([w('05:00', '07:00')], 6, 'allowed_hours.weekends')?.field).toBe('allowed_hours.weekends[0].to');
    const s = settings('UTC');
    expect(placed('2026-11-25T12:00:00Z', s, [w('05:00', '06:00')])).toEqual([['2026-11-26T05:00:00.000Z', '2026-11-26T06:00:00.000Z']]);
  });

  it('a timezone change waits for the next boundary: today’s windows stay on the old wall clock', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const s = withBoundaryChange(now, settings('Europe/Berlin'), { timezone: 'America/New_York' });
    expect(placed('2026-11-25T12:00:00Z', s, [w('18:00', '20:00')])).toEqual([['2026-11-25T17:00:00.000Z', '2026-11-25T19:00:00.000Z']]); // Berlin
    const tomorrow = day('2026-11-26T18:00:00Z', s);
    expect(tomorrow.timezone).toBe('America/New_York');
    expect(dayIntervals(tomorrow, [w('18:00', '20:00')])!.map((i) => i.start.toISOString())).toEqual(['2026-11-26T23:00:00.000Z']); // EST
  });
});

describe('which windows, and validation', () => {
  const hours = { weekdays: [w('07:00', '20:00')], weekends: [] };
  it('an override replaces the day’s list; an empty list means any time; [] means none', () => {
    const s = settings('UTC');
    expect(windowsFor(day('2026-11-25T12:00:00Z', s), hours, {})).toEqual([w('07:00', '20:00')]);
    expect(windowsFor(day('2026-11-28T12:00:00Z', s), hours, {})).toBeNull(); // Saturday: no weekend windows
    expect(windowsFor(day('2026-11-25T12:00:00Z', s), hours, { '2026-11-25': [w('07:00', '21:00')] })).toEqual([w('07:00', '21:00')]);
    expect(windowsFor(day('2026-11-25T12:00:00Z', s), hours, { '2026-11-25': null })).toBeNull();
    expect(dayIntervals(day('2026-11-25T12:00:00Z', s), [])).toEqual([]);
  });

  it.each([
    [[w('7:00', '20:00')], 'allowed_hours.weekdays[0].from', /HH:MM/],
    [[w('07:10', '20:00')], 'allowed_hours.weekdays[0].from', /15-minute/],
    [[w('07:00', '12:00'), w('11:00', '13:00')], 'allowed_hours.weekdays[1]', /overlaps allowed_hours.weekdays\[0\]/],
    [[w('07:00', '08:00'), w('09:00', '10:00'), w('11:00', '12:00'), w('13:00', '14:00')], 'allowed_hours.weekdays', /at most 3/],
    [[w('09:00', '09:00')], 'allowed_hours.weekdays[0].to', /after from/],
  ])('refuses %j naming %s', (list, field, message) => {
    expect(windowProblem(list, 6, 'allowed_hours.weekdays')).toEqual({ field, message: expect.stringMatching(message) });
  });

  it('where now is: inside a window with its end, or outside with the next edge', () => {
    const iv = dayIntervals(day('2026-11-25T12:00:00Z', settings('UTC')), [w('07:00', '12:00'), w('15:00', '20:00')]);
    expect(whereIs(new Date('2026-11-25T11:00:00Z'), iv)).toEqual({ inside: true, windowEnd: new Date('2026-11-25T12:00:00Z'), nextEdge: new Date('2026-11-25T12:00:00Z') });
    expect(whereIs(new Date('2026-11-25T13:00:00Z'), iv)).toEqual({ inside: false, windowEnd: null, nextEdge: new Date('2026-11-25T15:00:00Z') });
    expect(whereIs(new Date('2026-11-25T13:00:00Z'), null)).toEqual({ inside: true, windowEnd: null, nextEdge: null });
  });
});
