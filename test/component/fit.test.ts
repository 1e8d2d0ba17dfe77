// "Will it fit?" (SPEC §3a, fit's table): GET /viewing-time/fit/{profile_id} against every row of
// the table and every kind of limit (budget, week, window, break, pause), and for an exempt
// educational title. Over HTTP on the shared test clock.
import { randomUUID } from 'node:crypto';
import { beat, household, playerSuite, type Api } from './viewing-time.fixtures.ts';

const START = '2026-11-25T15:00:00Z'; // a Wednesday, 16:00 in Berlin
const { clock, suite } = playerSuite(START);
let api: Api;
const movie = randomUUID(); // 90 minutes
beforeAll(async () => {
  ({ api } = suite);
  await suite.db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at) values ($1, 'The Long Voyage', false, 90, 'PG', now())`, [movie]);
});

const PIN = '1357';
type H = Awaited<ReturnType<typeof household>>;

async function family(settings: Record<string, unknown> = {}): Promise<H> {
  const h = await household(api, 'Europe/Berlin');
  expect((await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: PIN } })).status).toBe(200);
  if (Object.keys(settings).length) expect((await api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token, body: { ...settings, pin: PIN } })).status).toBe(200);
  return h;
}

async function fits(h: H, title: string, position = 0, profile = h.kidId) {
  const r = await api('GET', `/api/v1/viewing-time/fit/${profile}?title_id=${title}&position_seconds=${position}`, { token: h.token });
  expect(r.status).toBe(200);
  return [r.body.fits, r.body.available_minutes, r.body.needed_minutes, r.body.limited_by, r.body.finish_grace];
}

/** Watches `minutes` of a title from now, a beat every 30 s. */
async function watch(h: H, minutes: number, title = suite.titles.regular) {
  let session: string | undefined;
  for (let i = 0; i <= minutes * 2; i++) {
    if (i) clock.advance(30);
    session = (await beat(api, h.token, { profile_id: h.kidId, title_id: title, session_id: session })).body.session_id;
  }
}

const wednesdayOnly = (minutes: number | null) => ({ daily_limits: { wednesday: minutes } });

describe('will it fit', () => {
  it('nothing stops it before its end: yes, with the smallest limit available, or null when none applies', async () => {
    expect(await fits(await family(wednesdayOnly(60)), suite.titles.regular)).toEqual(['yes', 60, 22, null, false]);
    expect(await fits(await family(wednesdayOnly(null)), movie)).toEqual(['yes', null, 90, null, false]);
    expect(await fits(await family(wednesdayOnly(15)), movie, 90 * 60 + 500)).toEqual(['yes', 15, 0, null, false]); // a position past the end: nothing needed
  });

  it('an adult profile: yes, nothing limits it', async () => {
    const h = await family();
    expect(await fits(h, movie, 0, h.adultId)).toEqual(['yes', null, 90, null, false]);
  });

  it('stopped before its end by the budget, the week, a window or a break: partly, with what stops it', async () => {
    expect(await fits(await family(wednesdayOnly(15)), movie)).toEqual(['partly', 15, 90, 'budget', false]);
    expect(await fits(await family({ ...wednesdayOnly(120), weekly_limit_minutes: 60 }), movie)).toEqual(['partly', 60, 90, 'week', false]);
    expect(await fits(await family({ ...wednesdayOnly(null), allowed_hours: { weekdays: [{ from: '16:00', to: '16:45' }] } }), movie)).toEqual(['partly', 45, 90, 'window', false]);
    expect(await fits(await family({ ...wednesdayOnly(120), break_rule: { after_minutes: 30, break_minutes: 10 } }), movie)).toEqual(['partly', 30, 90, 'break', false]);
    // a tie is named in the table's order: the window before the budget
    expect(await fits(await family({ ...wednesdayOnly(15), allowed_hours: { weekdays: [{ from: '16:00', to: '16:15' }] } }), movie)).toEqual(['partly', 15, 90, 'window', false]);
  });

  it('stopped within the finishing grace by the budget, the week or a window, that grace unused today: yes, with finish_grace', async () => {
    expect(await fits(await family({ ...wednesdayOnly(15), finish_grace_minutes: 10 }), suite.titles.regular)).toEqual(['yes', 15, 22, 'budget', true]);
    expect(await fits(await family({ ...wednesdayOnly(15), finish_grace_minutes: 5 }), suite.titles.regular)).toEqual(['partly', 15, 22, 'budget', false]); // 7 over: more than 5
    expect(await fits(await family({ ...wednesdayOnly(120), weekly_limit_minutes: 60, finish_grace_minutes: 30 }), movie)).toEqual(['yes', 60, 90, 'week', true]);
    expect(await fits(await family({ ...wednesdayOnly(null), finish_grace_minutes: 10, allowed_hours: { weekdays: [{ from: '16:00', to: '16:15' }] } }), suite.titles.regular))
      .toEqual(['yes', 15, 22, 'window', true]);
    // a break gives no grace
    expect(await fits(await family({ ...wednesdayOnly(120), finish_grace_minutes: 30, break_rule: { after_minutes: 15, break_minutes: 5 } }), suite.titles.regular))
      .toEqual(['partly', 15, 22, 'break', false]);
    // the budget's grace already used today
    const used = await family({ ...wednesdayOnly(15), finish_grace_minutes: 10 });
    await watch(used, 1);
    expect(await fits(used, suite.titles.regular)).toEqual(['yes', 14, 22, 'budget', true]);
    await suite.db.query('update viewing_time_balances set grace_budget_used = true where profile_id = $1', [used.kidId]); // as a grace that ran today leaves it
    expect(await fits(used, suite.titles.regular)).toEqual(['partly', 14, 22, 'budget', false]);
  });

  it('blocked now: no, with what blocks (pause > window > break > week > budget)', async () => {
    const paused = await family(wednesdayOnly(60));
    expect((await api('POST', `/api/v1/parental-controls/profiles/${paused.kidId}/pause`, { token: paused.token, body: { minutes: 30, pin: PIN } })).status).toBe(200);
    expect(await fits(paused, suite.titles.regular)).toEqual(['no', 0, 22, 'pause', false]);

    const outside = await family({ ...wednesdayOnly(60), allowed_hours: { weekdays: [{ from: '18:00', to: '19:00' }] } });
    expect(await fits(outside, suite.titles.regular)).toEqual(['no', 0, 22, 'window', false]);

    const resting = await family({ ...wednesdayOnly(120), break_rule: { after_minutes: 15, break_minutes: 10 } });
    await watch(resting, 15);
    expect(await fits(resting, suite.titles.regular)).toEqual(['no', 0, 22, 'break', false]);

    clock.set(START);
    const spent = await family(wednesdayOnly(15));
    await watch(spent, 15);
    expect(await fits(spent, suite.titles.regular)).toEqual(['no', 0, 22, 'budget', false]);

    clock.set(START);
    const week = await family({ ...wednesdayOnly(120), weekly_limit_minutes: 60 });
    // Monday of this week counted 60 minutes (a row the engine wrote then)
    await suite.db.query(`insert into viewing_time_balances (id, profile_id, reset_date, day_start, day_end, used_seconds, limit_minutes, updated_at)
      values ($1, $2, '2026-11-23', '2026-11-23T05:00:00Z', '2026-11-24T05:00:00Z', 3600, 120, now())`, [randomUUID(), week.kidId]);
    expect(await fits(week, suite.titles.regular)).toEqual(['no', 0, 22, 'week', false]);
  });

  it('an exempt educational title ignores the budget, the week and breaks; a window and a pause still apply', async () => {
    const spent = await family(wednesdayOnly(15));
    await watch(spent, 15);
    expect(await fits(spent, suite.titles.educational)).toEqual(['yes', null, 15, null, false]);
    clock.set(START);
    const resting = await family({ ...wednesdayOnly(120), break_rule: { after_minutes: 15, break_minutes: 10 } });
    await watch(resting, 15);
    expect(await fits(resting, suite.titles.educational)).toEqual(['yes', null, 15, null, false]);
    clock.set(START);
    const windowed = await family({ ...wednesdayOnly(15), allowed_hours: { weekdays: [{ from: '16:00', to: '16:15' }] } });
    clock.set('2026-11-25T15:05:00Z'); // 16:05: 10 minutes of the window left
    expect(await fits(windowed, suite.titles.educational)).toEqual(['partly', 10, 15, 'window', false]);
    expect((await api('PUT', `/api/v1/parental-controls/profiles/${windowed.kidId}/viewing-time`, { token: windowed.token, body: { educational_ignores_hours: true, pin: PIN } })).status).toBe(200);
    expect(await fits(windowed, suite.titles.educational)).toEqual(['yes', null, 15, null, false]);
    expect((await api('POST', `/api/v1/parental-controls/profiles/${windowed.kidId}/pause`, { token: windowed.token, body: { pin: PIN } })).status).toBe(200);
    expect(await fits(windowed, suite.titles.educational)).toEqual(['no', 0, 15, 'pause', false]);
  });

  it('answers 404 for an unknown title and another household\'s profile, 422 for a bad position', async () => {
    const h = await family();
    const other = await family();
    expect((await api('GET', `/api/v1/viewing-time/fit/${h.kidId}?title_id=${randomUUID()}`, { token: h.token })).status).toBe(404);
    expect((await api('GET', `/api/v1/viewing-time/fit/${other.kidId}?title_id=${movie}`, { token: h.token })).status).toBe(404);
    const bad = await api('GET', `/api/v1/viewing-time/fit/${h.kidId}?title_id=${movie}&position_seconds=-5`, { token: h.token });
    expect([bad.status, bad.body.field]).toEqual([422, 'position_seconds']);
  });
});
