// Allowed hours over HTTP with the clock moved (SPEC §3 "Allowed hours", "Enforcement status").
import { beat, household, playerSuite, type Api, type PlayerSuite } from './viewing-time.fixtures.ts';

// Wednesday 2026-11-25 in Berlin (UTC+1), reset 06:00: the window 16:00-19:00 is 15:00Z-18:00Z
const { clock, suite } = playerSuite('2026-11-25T17:40:00Z');
let svc: PlayerSuite['svc'];
let api: Api;
let titles: PlayerSuite['titles'];
beforeAll(() => { ({ svc, api, titles } = suite); });

const settingsPath = (id: string) => `/api/v1/parental-controls/profiles/${id}/viewing-time`;
const overridePath = (id: string, date: string) => `${settingsPath(id)}/overrides/${date}`;
const balance = (f: { token: string; kidId: string }) => api('GET', `/api/v1/viewing-time/balance/${f.kidId}`, { token: f.token });

/** A household whose first PIN set-up left this login PIN-verified, with the kid's evening window. */
async function family(weekdays = [{ from: '16:00', to: '19:00' }], extra: Record<string, unknown> = {}) {
  const h = await household(api);
  await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '1357' } });
  const put = await api('PUT', settingsPath(h.kidId), { token: h.token, body: { allowed_hours: { weekdays }, ...extra } });
  expect(put.status).toBe(200);
  return h;
}

async function stream(f: { token: string; kidId: string }, from: string, title = titles.regular) {
  clock.set(from);
  let sid: string | undefined;
  let seq = 0;
  return async (advance = 30, extra: Record<string, unknown> = {}) => {
    if (seq > 0) clock.advance(advance);
    const r = await beat(api, f.token, { profile_id: f.kidId, session_id: sid, title_id: title, seq: ++seq, ...extra });
    expect(r.status).toBe(200);
    sid = r.body.session_id;
    return r;
  };
}

describe('a stream through the end of its window', () => {
  it('warns at 15 and 5 minutes, is blocked at the edge, credited exactly up to it; next_change_at follows', async () => {
    const f = await family();
    const next = await stream(f, '2026-11-25T17:40:00Z');
    const answers: Awaited<ReturnType<typeof next>>[] = [];
    for (let i = 0; i <= 41; i++) answers.push(await next()); // 17:40:00Z .. 18:00:30Z
    const at = (iso: string) => answers[(Date.parse(iso) - Date.parse('2026-11-25T17:40:00Z')) / 30_000].body;
    expect(at('2026-11-25T17:40:00Z')).toMatchObject({ enforcement: 'allowed', reason: 'within_limit', remaining_minutes: 20, next_change_at: '2026-11-25T18:00:00.000Z' });
    expect(at('2026-11-25T17:44:30Z')).toMatchObject({ enforcement: 'allowed' });
    expect(at('2026-11-25T17:45:00Z')).toMatchObject({ enforcement: 'warning_15', remaining_minutes: 15, budget_remaining_minutes: 120 - 5 });
    expect(at('2026-11-25T17:55:00Z')).toMatchObject({ enforcement: 'warning_5', remaining_minutes: 5 });
    expect(at('2026-11-25T18:00:00Z')).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours', remaining_minutes: 0, next_change_at: '2026-11-26T05:00:00.000Z' });
    expect(at('2026-11-25T18:00:30Z')).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours', used_minutes: 20 });
    expect(answers.slice(1).every((a) => a.headers.get('x-db-ops') === '1')).toBe(true); // still one round trip each
    const { rows } = await suite.db.query('select used_seconds, refused_seconds from viewing_time_balances where profile_id = $1', [f.kidId]);
    expect(rows[0]).toEqual({ used_seconds: 1200, refused_seconds: 30 }); // 17:40-18:00 credited; the beat at 18:00:30 refused
  });

  it('an override for tonight lets the same stream go on; [] blocks the whole day', async () => {
    clock.set('2026-11-25T17:59:00Z'); // the PIN set-up's 5-minute window covers the changes below
    const f = await family();
    const next = await stream(f, '2026-11-25T17:59:00Z');
    await next();
    expect((await next(90)).body).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours' }); // 18:00:30Z
    const put = await api('PUT', overridePath(f.kidId, '2026-11-25'), { token: f.token, body: { windows: [{ from: '16:00', to: '21:00' }] } });
    expect(put.status).toBe(200);
    expect(put.body.overrides).toEqual([{ date: '2026-11-25', windows: [{ from: '16:00', to: '21:00' }] }]);
    const on = await next(); // 18:01:00Z, inside the new window: 18:00:30-18:01:00 credited (17:59-18:00 was before)
    expect(on.body).toMatchObject({ enforcement: 'allowed', next_change_at: '2026-11-25T20:00:00.000Z' });
    expect((await balance(f)).body).toMatchObject({ allowed_now: true, remaining_minutes: 118.5, reason: 'within_limit', next_change_at: '2026-11-25T20:00:00.000Z' });
    await api('PUT', overridePath(f.kidId, '2026-11-25'), { token: f.token, body: { windows: [] } });
    expect((await next()).body).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours', next_change_at: '2026-11-26T05:00:00.000Z' });
    expect((await api('DELETE', overridePath(f.kidId, '2026-11-25'), { token: f.token })).status).toBe(204);
    expect((await api('DELETE', overridePath(f.kidId, '2026-11-25'), { token: f.token })).status).toBe(204); // none left: still 204
    clock.set('2026-11-25T16:00:00Z');
    expect((await balance(f)).body).toMatchObject({ allowed_now: true, next_change_at: '2026-11-25T18:00:00.000Z' }); // the usual window again
  });

  it('before the window: blocked, and next_change_at is when it opens', async () => {
    const f = await family();
    clock.set('2026-11-25T12:00:00Z');
    const r = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular });
    expect(r.body).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours', remaining_minutes: 0, next_change_at: '2026-11-25T15:00:00.000Z' });
  });
});

describe('a session closed after its window ended is credited exactly up to the edge', () => {
  // the window ends 18:00:00Z; beats at 17:59:00 and 17:59:30, then the session ends at 18:00:20: of
  // that last 50 s stretch only the 30 s before the edge count
  const seconds = async (kidId: string) => (await suite.db.query('select used_seconds, educational_seconds from viewing_time_balances where profile_id = $1', [kidId])).rows[0];
  const sessionTotal = async (sid: string) => (await suite.db.query('select total_seconds, end_reason from viewing_sessions where id = $1', [sid])).rows[0];

  async function watchedToTheEdge(f: Awaited<ReturnType<typeof family>>, title: string) {
    const next = await stream(f, '2026-11-25T17:59:00Z', title);
    await next();
    return (await next()).body.session_id as string; // 17:59:30
  }

  const closings: [string, (f: Awaited<ReturnType<typeof family>>, sid: string, title: string) => Promise<unknown>][] = [
    ['ended', (f, sid) => api('POST', `/api/v1/viewing-time/session/${sid}/end`, { token: f.token })],
    ['superseded', (f, _sid, title) => beat(api, f.token, { profile_id: f.kidId, title_id: title, device_id: 'another-tv' })],
  ];

  it.each(closings)('%s at 18:00:20: 30 s of the last stretch, not 50', async (reason, close) => {
    const f = await family();
    const sid = await watchedToTheEdge(f, titles.regular);
    clock.set('2026-11-25T18:00:20Z');
    await close(f, sid, titles.regular);
    expect(await sessionTotal(sid)).toEqual({ total_seconds: 60, end_reason: reason });
    expect(await seconds(f.kidId)).toEqual({ used_seconds: 60, educational_seconds: 0 });
  });

  it('gone stale: the gap credits nothing, and what its beats earned stops at the edge', async () => {
    const f = await family();
    const next = await stream(f, '2026-11-25T17:59:00Z');
    await next();
    const last = await next(50); // 17:59:50: 50 s credited, all inside
    await next(20); // 18:00:10, refused: 10 s up to the edge
    const resumed = await next(6 * 60); // 18:06:10: stale, resumed as a new session
    expect(resumed.body.session_id).not.toBe(last.body.session_id);
    expect(await sessionTotal(last.body.session_id)).toEqual({ total_seconds: 60, end_reason: 'stale' });
    expect(await seconds(f.kidId)).toEqual({ used_seconds: 60, educational_seconds: 0 });
  });

  it.each(closings)('an educational title %s: up to the edge, or the whole stretch when educational_ignores_hours is set', async (reason, close) => {
    for (const [ignores, credited] of [[false, 60], [true, 80]] as const) {
      const f = await family(undefined, { educational_ignores_hours: ignores });
      const sid = await watchedToTheEdge(f, titles.educational);
      clock.set('2026-11-25T18:00:20Z');
      await close(f, sid, titles.educational);
      expect([ignores, await sessionTotal(sid)]).toEqual([ignores, { total_seconds: credited, end_reason: reason }]);
      expect([ignores, await seconds(f.kidId)]).toEqual([ignores, { used_seconds: 0, educational_seconds: credited }]);
    }
  });
});

describe('the old apps need nothing new', () => {
  it('an old-app heartbeat outside the windows is blocked; its balance poll says has_limits and 0 minutes left', async () => {
    const f = await family([{ from: '07:00', to: '12:00' }], { weekday_limit_minutes: null }); // no budget at all: only a window
    clock.set('2026-11-25T17:40:00Z');
    const r = await api('POST', '/api/v1/viewing-time/heartbeat', { token: f.token, body: { profile_id: f.kidId, title_id: titles.regular, device_id: 'old-tv', is_paused: false } });
    expect(r.body.enforcement).toBe('blocked');
    const b = await balance(f);
    expect(b.body).toMatchObject({ has_limits: true, remaining_minutes: 0, limit_minutes: null, is_unlimited_override: false, allowed_now: false, reason: 'outside_allowed_hours' });
    clock.set('2026-11-25T10:00:00Z'); // inside: no budget, so time is the window's
    expect((await balance(f)).body).toMatchObject({ has_limits: true, remaining_minutes: 60, budget_remaining_minutes: null, reason: 'no_limit', allowed_now: true });
  });
});

describe('educational titles', () => {
  it('are blocked outside the windows too, unless educational_ignores_hours is set', async () => {
    const f = await family();
    clock.set('2026-11-25T12:00:00Z');
    expect((await beat(api, f.token, { profile_id: f.kidId, title_id: titles.educational })).body).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours' });
    await api('PUT', settingsPath(f.kidId), { token: f.token, body: { educational_ignores_hours: true } });
    const edu = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.educational, device_id: 'tablet' });
    expect(edu.body).toMatchObject({ enforcement: 'allowed', reason: 'educational', is_educational: true });
    clock.advance(30);
    const more = await beat(api, f.token, { profile_id: f.kidId, session_id: edu.body.session_id, title_id: titles.educational, device_id: 'tablet' });
    expect(more.body).toMatchObject({ enforcement: 'allowed', educational_minutes: 0.5 });
    expect((await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular, device_id: 'tv' })).body.reason).toBe('outside_allowed_hours');
  });
});

describe('the API', () => {
  it.each([
    [{ allowed_hours: { weekdays: [{ from: '7:00', to: '20:00' }] } }, 'allowed_hours.weekdays[0].from'],
    [{ allowed_hours: { weekdays: [{ from: '07:10', to: '20:00' }] } }, 'allowed_hours.weekdays[0].from'],
    [{ allowed_hours: { weekends: [{ from: '07:00', to: '12:00' }, { from: '11:00', to: '13:00' }] } }, 'allowed_hours.weekends[1]'],
    [{ allowed_hours: { weekdays: [{ from: '07:00', to: '08:00' }, { from: '09:00', to: '10:00' }, { from: '11:00', to: '12:00' }, { from: '13:00', to: '14:00' }] } }, 'allowed_hours.weekdays'],
    [{ allowed_hours: { weekdays: [{ from: '07:00', to: '20:00' }, { from: '22:00', to: '07:00' }] } }, 'allowed_hours.weekdays[1].to'], // crosses 06:00
    [{ allowed_hours: { weekdays: [{ from: '07:00', to: '20:00', till: '21:00' }] } }, 'allowed_hours.weekdays[0].till'],
  ])('refuses %j with a 422 naming %s, and changes nothing', async (body, field) => {
    const f = await family();
    const r = await api('PUT', settingsPath(f.kidId), { token: f.token, body });
    expect([r.status, r.body.field]).toEqual([422, field]);
    expect((await api('GET', settingsPath(f.kidId), { token: f.token })).body.allowed_hours).toEqual({ weekdays: [{ from: '16:00', to: '19:00' }], weekends: [] });
  });

  it('an override date must be a viewing day from today to 30 days ahead', async () => {
    const f = await family();
    clock.set('2026-11-25T04:00:00Z'); // 05:00 in Berlin: still the viewing day of the 24th
    for (const [date, ok] of [['2026-11-23', false], ['2026-11-24', true], ['2026-12-24', true], ['2026-12-25', false]] as const) {
      const r = await api('PUT', overridePath(f.kidId, date), { token: f.token, body: { windows: null } });
      expect([date, r.status, r.body.field]).toEqual(ok ? [date, 200, undefined] : [date, 422, 'date']);
    }
    expect((await api('PUT', overridePath(f.kidId, '2026-11-30'), { token: f.token, body: { windows: [{ from: '09:00', to: '09:10' }] } })).body.field).toBe('windows[0].to');
  });

  it('settings and overrides need PIN proof: another login of the household is refused', async () => {
    const f = await family();
    const other = (await api('POST', '/api/v1/auth/login', { body: { email: f.email, password: f.password } })).body.access_token;
    for (const [method, path, body] of [
      ['PUT', settingsPath(f.kidId), { allowed_hours: { weekdays: [] } }],
      ['PUT', overridePath(f.kidId, '2026-11-26'), { windows: null }],
      ['DELETE', overridePath(f.kidId, '2026-11-26'), undefined],
    ] as const) {
      const r = await api(method, path, { token: other, body });
      expect([path, r.status, r.body.code]).toEqual([path, 403, 'invalid_pin_token']);
    }
    const withPin = await api('PUT', overridePath(f.kidId, '2026-11-26'), { token: other, body: { windows: null, pin: '1357' } });
    expect(withPin.status).toBe(200);
  });

  it('the weekly report counts refused minutes per day, and history shows each day’s windows', async () => {
    const f = await family();
    const next = await stream(f, '2026-11-25T17:59:00Z');
    for (let i = 0; i < 5; i++) await next(); // 17:59:00 .. 18:01:00Z: one minute inside, the last two beats refused
    const report = await api('GET', '/api/v1/parental-controls/weekly-report?week_start=2026-11-23', { token: f.token });
    expect(report.body.profiles[0].daily_totals[2]).toMatchObject({ date: '2026-11-25', counted_minutes: 1, refused_minutes: 1 });
    const history = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?from_date=2026-11-25&to_date=2026-11-25`, { token: f.token });
    expect(history.body.days[0].allowed_windows).toEqual([{ start: '2026-11-25T15:00:00.000Z', end: '2026-11-25T18:00:00.000Z' }]);
  });
});

afterAll(() => {
  const errors = svc.logLines.filter((l) => (l.level as number) >= 50);
  if (errors.length) console.log(JSON.stringify(errors.slice(0, 2), null, 1));
});
