// The weekly budget and the time bank (SPEC §3a), over HTTP on the shared test clock, through a
// whole viewing week in Europe/Berlin whose Saturday is 25 hours long (summer time ends on Sunday
// 25 October 2026 at 03:00, inside Saturday's viewing day: reset hour 6).
import { client, newHousehold, startTestService, waitFor, type TestService } from '../harness.ts';
import { beat, household, playerSuite, type Api } from './viewing-time.fixtures.ts';

const { clock, suite } = playerSuite('2026-10-18T10:00:00Z'); // Sunday 12:00 in Berlin, before the week
let api: Api;
beforeAll(() => { ({ api } = suite); });

const PIN = '2468';
const settingsPath = (kid: string) => `/api/v1/parental-controls/profiles/${kid}/viewing-time`;
/** 12:00 in Berlin on a day of that week (CEST until Sunday 25 October, CET from then). */
const noon = (date: string) => `${date}T${date >= '2026-10-25' ? '11' : '10'}:00:00Z`;

async function setUp(a: Api, settings: Record<string, unknown>) {
  const h = await household(a, 'Europe/Berlin');
  // setting the first PIN leaves this login PIN-verified for 5 minutes (of the test clock): each change below brings the PIN
  expect((await a('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: PIN } })).status).toBe(200);
  const put = await a('PUT', settingsPath(h.kidId), { token: h.token, body: settings });
  expect(put.status).toBe(200);
  return { ...h, put };
}

/** Watches `minutes` of a regular title from now (a beat a minute), then ends the session; the last answer. */
async function watch(a: Api, h: { token: string; kidId: string }, minutes: number, title = suite.titles.regular) {
  const first = await beat(a, h.token, { profile_id: h.kidId, title_id: title });
  expect(first.status).toBe(200);
  let last = first;
  for (let i = 0; i < minutes; i++) {
    clock.advance(60);
    last = await beat(a, h.token, { profile_id: h.kidId, title_id: title, session_id: first.body.session_id });
    expect(last.status).toBe(200);
  }
  expect((await a('POST', `/api/v1/viewing-time/session/${first.body.session_id}/end`, { token: h.token })).status).toBe(200);
  return last.body;
}

const balance = async (a: Api, h: { token: string; kidId: string }) => {
  const r = await a('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token });
  expect(r.status).toBe(200);
  return r.body;
};
const grant = (a: Api, h: { token: string; kidId: string }, minutes: number) => a('POST', `${settingsPath(h.kidId)}/grant`, { token: h.token, body: { minutes, pin: PIN } });

describe('the time bank and the weekly limit', () => {
  it('bank: grows from days with and without viewing up to its cap, is spent after the day\'s limit, given back by a later grant, trimmed by a lower cap, emptied after Sunday; the week stops viewing before the day does', async () => {
    const h = await setUp(api, { daily_limits: { monday: 60, tuesday: 60, wednesday: 60, thursday: 60, friday: 60, saturday: 60, sunday: 60 }, bank: { cap_minutes: 90 } });
    expect(h.put.body.bank).toEqual({ cap_minutes: 90, from_date: '2026-10-19' }); // banks from the next viewing day
    expect((await balance(api, h)).bank_minutes).toBe(0); // turned on today: today banks nothing

    clock.set(noon('2026-10-19')); // Monday: 30 of 60 watched
    expect((await balance(api, h)).bank_minutes).toBe(0);
    await watch(api, h, 30);

    clock.set(noon('2026-10-21')); // Wednesday: Monday banked 30, Tuesday (no row, no viewing) 60, capped at 90
    let b = await balance(api, h);
    expect([b.bank_minutes, b.remaining_minutes, b.reason]).toEqual([90, 150, 'within_limit']);
    await watch(api, h, 50);
    b = await balance(api, h);
    expect([b.bank_minutes, b.remaining_minutes]).toEqual([90, 100]); // the day's own limit first
    await watch(api, h, 30);
    b = await balance(api, h);
    expect([b.bank_minutes, b.remaining_minutes, b.used_minutes]).toEqual([70, 70, 80]); // then the bank
    expect((await grant(api, h, 15)).status).toBe(200);
    b = await balance(api, h);
    expect([b.bank_minutes, b.remaining_minutes]).toEqual([85, 85]); // the grant pays before the bank: 15 minutes back

    clock.set(noon('2026-10-22')); // Thursday, no row yet: 90 − 5 spent, nothing banked (80 > 60; grants do not bank)
    const thursday = await balance(api, h);
    expect([thursday.bank_minutes, thursday.remaining_minutes, thursday.date]).toEqual([85, 145, '2026-10-22']);
    // a fresh process (nothing cached: a restart) computes the same figures for the day without a row
    const fresh: TestService = await startTestService({}, { clock });
    try {
      const again = await balance(client(fresh.url), h);
      expect(again).toEqual(thursday);
    } finally {
      await fresh.close();
    }

    clock.set(noon('2026-10-23')); // Friday: a weekly limit of 150 → 150 + 15 granted − 110 counted = 55 left, under the day's 60
    expect((await api('PUT', settingsPath(h.kidId), { token: h.token, body: { weekly_limit_minutes: 150, pin: PIN } })).status).toBe(200);
    b = await balance(api, h);
    expect([b.week_remaining_minutes, b.remaining_minutes, b.bank_minutes, b.reason]).toEqual([55, 55, 90, 'within_limit']);
    const stopped = await watch(api, h, 56);
    expect([stopped.enforcement, stopped.reason, stopped.used_minutes, stopped.next_change_at]).toEqual(['blocked', 'weekly_limit_reached', 55, '2026-10-26T05:00:00.000Z']);
    b = await balance(api, h);
    expect([b.remaining_minutes, b.week_remaining_minutes, b.reason, b.allowed_now]).toEqual([0, 0, 'weekly_limit_reached', false]);
    const granted = await grant(api, h, 15); // a grant adds its minutes, also when the week ran out
    expect([granted.status, granted.body.remaining_minutes]).toEqual([200, 15]);
    expect((await api('PUT', settingsPath(h.kidId), { token: h.token, body: { weekly_limit_minutes: null, pin: PIN } })).status).toBe(200);

    clock.set(noon('2026-10-24')); // Saturday, 25 hours long: Friday banked its 5 unused minutes (the grant did not), capped at 90
    b = await balance(api, h);
    expect([b.bank_minutes, b.next_reset_at]).toEqual([90, '2026-10-25T05:00:00.000Z']);
    await watch(api, h, 1); // the day has a row now
    expect((await api('PUT', settingsPath(h.kidId), { token: h.token, body: { bank: { cap_minutes: 30 }, pin: PIN } })).status).toBe(200);
    b = await balance(api, h);
    expect(b.bank_minutes).toBe(30); // a lower cap trims the bank at once

    clock.set(noon('2026-10-25')); // Sunday: 30 in the bank, 80 watched → 20 of it spent
    await watch(api, h, 80);
    b = await balance(api, h);
    expect([b.bank_minutes, b.remaining_minutes]).toEqual([10, 10]);

    clock.set(noon('2026-10-26')); // Monday: the bank is emptied at the end of Sunday's viewing day
    b = await balance(api, h);
    expect([b.bank_minutes, b.remaining_minutes, b.week_remaining_minutes]).toEqual([0, 60, null]);
    await watch(api, h, 5);
    expect((await balance(api, h)).bank_minutes).toBe(0);

    // the reports show what each day banked and spent, in the report's ≤ 3 queries
    const report = await api('GET', '/api/v1/parental-controls/weekly-report?week_start=2026-10-19', { token: h.token });
    expect(Number(report.headers.get('x-db-ops'))).toBeLessThanOrEqual(3);
    const week = report.body.profiles.find((p: { profile_id: string }) => p.profile_id === h.kidId);
    expect(week.daily_totals.map((d: { banked_minutes: number; bank_spent_minutes: number }) => [d.banked_minutes, d.bank_spent_minutes]))
      .toEqual([[30, 0], [60, 0], [0, 5], [60, 0], [5, 0], [59, 0], [0, 20]]);
    expect([week.bank_minutes, week.weekly_limit_minutes]).toEqual([10, null]);
    // counted ÷ (limits + grants + bank spent) over the limited days: 246 ÷ (7 × 60 + 30 + 25)
    expect(week.limit_usage_percent).toBe(Math.round((1000 * 246) / (420 + 30 + 25)) / 10);
    const history = await api('GET', `${'/api/v1/parental-controls/profiles/'}${h.kidId}/history?from_date=2026-10-19&to_date=2026-10-26`, { token: h.token });
    const wednesday = history.body.days.find((d: { date: string }) => d.date === '2026-10-21');
    expect([wednesday.banked_minutes, wednesday.bank_spent_minutes, wednesday.overtime_minutes]).toEqual([0, 5, 0]);
    // the metrics count the bank spent by heartbeats: Wednesday's 20 minutes (a grant gave 15 back later) and Sunday's 20
    const admin = await newHousehold(api);
    await suite.db.query('update users set is_admin = true where email = $1', [admin.email]);
    await waitFor(async () => (await api('GET', '/api/v1/admin/metrics', { token: admin.access })).body.family_rules?.bank_spent_seconds >= 2400, 'bank spent in the metrics', 10_000, 100);
  });

  it("the report's default week is the household's viewing week: on a Monday before the reset hour it is still last week", async () => {
    const h = await setUp(api, { bank: { cap_minutes: 60 } });
    clock.set('2026-10-26T04:30:00Z'); // Monday 05:30 in Berlin: the viewing day is still Sunday 25 October
    const early = await api('GET', '/api/v1/parental-controls/weekly-report', { token: h.token });
    expect([early.status, early.body.week_start, early.body.profiles[0].days_elapsed]).toEqual([200, '2026-10-19', 7]);
    clock.set('2026-10-26T05:30:00Z'); // 06:30: Monday's viewing day has begun
    expect((await api('GET', '/api/v1/parental-controls/weekly-report', { token: h.token })).body.week_start).toBe('2026-10-26');
  });

  it('a week with a timezone change on Wednesday still has seven viewing days, and the bank is emptied once, at the end of the seventh', async () => {
    const h = await setUp(api, { daily_limits: { monday: 30, tuesday: 30, wednesday: 30, thursday: 30, friday: 30, saturday: 30, sunday: 30 }, bank: { cap_minutes: 240 } });
    clock.set(noon('2026-10-19'));
    await watch(api, h, 10); // Monday banks 20
    clock.set(noon('2026-10-21')); // Wednesday: New York from the next day boundary
    expect((await api('PUT', settingsPath(h.kidId), { token: h.token, body: { timezone: 'America/New_York', pin: PIN } })).status).toBe(200);
    const days: { date: string; bank: number }[] = [];
    // each viewing day from Thursday on, at noon in New York (UTC−4 until 1 November)
    for (const date of ['2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26']) {
      clock.set(`${date}T16:00:00Z`);
      const b = await balance(api, h);
      days.push({ date: b.date, bank: b.bank_minutes });
      await watch(api, h, 1);
    }
    // Monday 20, Tuesday 30, Wednesday 30 (a 30-hour day), Thursday 29, Friday 29, Saturday 29: the bank grows every day of the seven
    expect(days).toEqual([
      { date: '2026-10-22', bank: 80 }, { date: '2026-10-23', bank: 109 }, { date: '2026-10-24', bank: 138 }, { date: '2026-10-25', bank: 167 },
      { date: '2026-10-26', bank: 0 },
    ]);
    const report = await api('GET', '/api/v1/parental-controls/weekly-report?week_start=2026-10-19', { token: h.token });
    expect(report.status).toBe(200);
    const kid = report.body.profiles.find((p: { profile_id: string }) => p.profile_id === h.kidId);
    expect(kid.daily_totals.map((d: { date: string }) => d.date)).toEqual(['2026-10-19', '2026-10-20', '2026-10-21', '2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25']);
    expect(kid.bank_minutes).toBe(196); // at the week's end: 167 + Sunday's 29; emptied on Monday
  });
});
