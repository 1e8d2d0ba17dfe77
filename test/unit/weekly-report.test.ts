// The weekly report's figures (workers/weekly-report.ts), built from a hand-made query result: per
// day, totals, average over the days elapsed, limit usage on limited days only, top titles.
import { buildWeeklyReport } from '../../src/workers/weekly-report.ts';

const kid = 'a0000000-0000-4000-8000-000000000001';
const config = {
  timezone: 'Europe/Berlin', reset_hour: 6, monday_limit_minutes: 60, tuesday_limit_minutes: 60, wednesday_limit_minutes: 60, thursday_limit_minutes: 60,
  friday_limit_minutes: 60, saturday_limit_minutes: 120, sunday_limit_minutes: 120, educational_exempt: true, allowed_hours: { weekdays: [], weekends: [] }, version: 1,
};
const title = (id: number) => `t0000000-0000-4000-8000-00000000000${id}`.replace(/^t/, 'b');

function report(extra: Record<string, unknown[]> = {}) {
  const data = {
    profiles: [{ id: kid, name: 'Leo', config }],
    balances: [
      { profile_id: kid, date: '2026-11-23', used: 1800, educational: 600, bonus: 0, unlimited: false, limit: 60, refused: 60 },
      { profile_id: kid, date: '2026-11-24', used: 3600, educational: 0, bonus: 900, unlimited: false, limit: 60, refused: 0 },
      { profile_id: kid, date: '2026-11-25', used: 4800, educational: 0, bonus: 0, unlimited: true, limit: 60, refused: 0 },
    ],
    grants: [], requests: [],
    sessions: [
      { profile_id: kid, title_id: title(1), title: 'Dino Dash', started_at: '2026-11-23T15:00:00Z', seconds: 1800 },
      { profile_id: kid, title_id: title(2), title: 'Owls', started_at: '2026-11-23T16:00:00Z', seconds: 600 },
      { profile_id: kid, title_id: title(3), title: 'Space Cats', started_at: '2026-11-24T15:00:00Z', seconds: 3600 },
      { profile_id: kid, title_id: title(1), title: 'Dino Dash', started_at: '2026-11-25T09:00:00Z', seconds: 4800 },
      { profile_id: kid, title_id: title(4), title: 'Robots', started_at: '2026-11-22T15:00:00Z', seconds: 9999 }, // the Sunday before: not this week
    ],
    ...extra,
  };
  return buildWeeklyReport({ weekStart: '2026-11-23', now: '2026-11-25T12:00:00Z', data: JSON.stringify(data) });
}

describe('buildWeeklyReport', () => {
  it('seven days; rows where viewed, the settings’ limit for days without one (weekend limit on Saturday)', () => {
    const p = report().profiles[0];
    expect(p.daily_totals.map((d) => [d.date, d.counted_minutes, d.educational_minutes, d.limit_minutes, d.unlimited])).toEqual([
      ['2026-11-23', 30, 10, 60, false], ['2026-11-24', 60, 0, 60, false], ['2026-11-25', 80, 0, null, true],
      ['2026-11-26', 0, 0, 60, false], ['2026-11-27', 0, 0, 60, false], ['2026-11-28', 0, 0, 120, false], ['2026-11-29', 0, 0, 120, false],
    ]);
    expect(p.daily_totals[0]).toMatchObject({ minutes: 40, refused_minutes: 1 });
    expect(p.daily_totals[1].bonus_minutes).toBe(15);
  });

  it('totals, the average over the 3 elapsed days, limit usage on counted minutes over limited days with their grants', () => {
    const r = report();
    const p = r.profiles[0];
    expect(p).toMatchObject({ profile_name: 'Leo', total_minutes: 180, counted_minutes: 170, educational_minutes: 10, days_elapsed: 3, average_daily_minutes: 60 });
    // (30 + 60) / (60 + 60 + 15) = 66.7 % — the unlimited day counts in neither
    expect(p.limit_usage_percent).toBe(66.7);
    expect(r.total_minutes).toBe(180);
  });

  it('top titles: the three most watched of the week, by minutes, ties by name; the week before left out', () => {
    expect(report().profiles[0].top_titles).toEqual([
      { title_id: title(1), title_name: 'Dino Dash', total_minutes: 110 },
      { title_id: title(3), title_name: 'Space Cats', total_minutes: 60 },
      { title_id: title(2), title_name: 'Owls', total_minutes: 10 },
    ]);
  });

  it('each day shows the time spent paused and in breaks: spans cut at the day boundaries and at now, a pause until lifted still running', () => {
    const spans = [
      // Monday 21:00 to Tuesday 07:00 Berlin: 9 h on Monday's viewing day (to 06:00), 1 h on Tuesday's
      { profile_id: kid, kind: 'pause', start: '2026-11-23T20:00:00Z', end: '2026-11-24T06:00:00Z' },
      { profile_id: kid, kind: 'break', start: '2026-11-24T15:00:00Z', end: '2026-11-24T15:10:00Z' },
      { profile_id: kid, kind: 'break', start: '2026-11-24T16:00:00Z', end: '2026-11-24T16:05:00Z' },
      // until lifted, from Wednesday 12:30 Berlin: counted up to now (13:00 Berlin)
      { profile_id: kid, kind: 'pause', start: '2026-11-25T11:30:00Z', end: null },
      { profile_id: 'another', kind: 'pause', start: '2026-11-23T10:00:00Z', end: null },
    ];
    const p = report({ spans }).profiles[0];
    expect(p.daily_totals.map((d) => [d.date, d.paused_minutes, d.break_minutes])).toEqual([
      ['2026-11-23', 540, 0], ['2026-11-24', 60, 15], ['2026-11-25', 30, 0], ['2026-11-26', 0, 0], ['2026-11-27', 0, 0], ['2026-11-28', 0, 0], ['2026-11-29', 0, 0],
    ]);
  });

  it('a pending request past its day is shown expired, whether or not the sweep ran', () => {
    const requests = [{ profile_id: kid, id: 'r1', date: '2026-11-24', minutes: 15, message: null, status: 'pending', minutes_granted: null, unlimited: false,
      created_at: '2026-11-24T15:00:00Z', answered_at: null, expires_at: '2026-11-25T05:00:00Z' }];
    expect(report({ requests }).profiles[0].time_requests[0].status).toBe('expired');
  });
});
