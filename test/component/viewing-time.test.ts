
import { beat, household, playerSuite, type Api, type PlayerSuite } from './viewing-time.fixtures.ts';

// Wednesday 2026-11-25, 10:00 UTC = 11:00 in Berlin (reset hour 6): a weekday with a 120-minute limit
const { clock, suite } = playerSuite('2026-11-25T10:00:00Z');
let svc: PlayerSuite['svc'];
let api: Api;
let db: PlayerSuite['db'];
let titles: PlayerSuite['titles'];
beforeAll(() => { ({ svc, api, db, titles } = suite); });

const lastRequest = () => svc.requests[svc.requests.length - 1];

describe('round trips (counted at the driver)', () => {
  it('the first beat of a viewing day takes 2 (it creates the day), every other beat exactly 1, with the header matching the SQL captured', async () => {
    const h = await household(api);
    const first = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular, seq: 1 });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-db-ops')).toBe('2'); // nobody has computed today for this profile yet
    expect(lastRequest().ops.statements).toHaveLength(2);

    for (let seq = 2; seq < 6; seq++) {
      clock.advance(30);
      const r = await beat(api, h.token, { profile_id: h.kidId, session_id: first.body.session_id, title_id: titles.regular, seq });
      expect(r.headers.get('x-db-ops')).toBe('1');
      expect(lastRequest().ops.statements).toHaveLength(1);
      expect(lastRequest().ops.statements[0]).toBe('select * from vt_heartbeats(...)'); // the group-commit statement that carried it
    }
    const restart = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular, device_id: 'tablet-2' });
    expect(restart.headers.get('x-db-ops')).toBe('1'); // a session start is one statement
    clock.set('2026-11-26T10:00:00Z'); // the next viewing day: this process knows the settings, so still 1
    const tomorrow = await beat(api, h.token, { profile_id: h.kidId, session_id: restart.body.session_id, title_id: titles.regular, device_id: 'tablet-2' });
    expect(tomorrow.headers.get('x-db-ops')).toBe('1');
    expect(tomorrow.body.next_reset_at).toBe('2026-11-27T05:00:00.000Z');
  });

  it('balance and eligibility take exactly 1 each, adults included', async () => {
    const h = await household(api);
    await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    for (const path of [`/api/v1/viewing-time/balance/${h.kidId}`, `/api/v1/viewing-time/playback-eligible/${h.kidId}`]) {
      const r = await api('GET', path, { token: h.token });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-db-ops')).toBe('1');
      expect(lastRequest().ops.statements).toHaveLength(1);
    }
    await api('GET', `/api/v1/viewing-time/balance/${h.adultId}`, { token: h.token });
    const adult = await api('GET', `/api/v1/viewing-time/playback-eligible/${h.adultId}`, { token: h.token });
    expect(adult.headers.get('x-db-ops')).toBe('1');
    expect(adult.body).toMatchObject({ eligible: true, reason: 'adult_profile', remaining_minutes: null });
  });

  it('every heartbeat, balance and eligibility answer carries reason and next_change_at', async () => {
    const h = await household(api);
    const s = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    const answers = [s, await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token }), await api('GET', `/api/v1/viewing-time/playback-eligible/${h.kidId}`, { token: h.token })];
    for (const a of answers) expect(a.body).toMatchObject({ reason: 'within_limit', next_change_at: '2026-11-26T05:00:00.000Z' });
    const adult = await beat(api, h.token, { profile_id: h.adultId, title_id: titles.regular });
    expect(adult.body).toMatchObject({ enforcement: 'allowed', reason: 'adult_profile', next_change_at: null });
  });

  it('session end is one round trip', async () => {
    const h = await household(api);
    const s = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    const r = await api('POST', `/api/v1/viewing-time/session/${s.body.session_id}/end`, { token: h.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-db-ops')).toBe('1');
  });
});

describe('credit rules', () => {
  async function start(tz = 'Europe/Berlin', title = titles.regular) {
    const h = await household(api, tz);
    const first = await beat(api, h.token, { profile_id: h.kidId, title_id: title, seq: 1 });
    return { h, sid: first.body.session_id as string, first };
  }
  const next = (h: { token: string; kidId: string }, sid: string, extra: Record<string, unknown> = {}) =>
    beat(api, h.token, { profile_id: h.kidId, session_id: sid, title_id: titles.regular, ...extra });

  it('the first beat credits 0; then the server credits min(elapsed, 60 s), whatever the client says', async () => {
    const { h, sid, first } = await start();
    expect(first.body).toMatchObject({ enforcement: 'allowed', used_minutes: 0, remaining_seconds: 7200, is_educational: false });
    clock.advance(30);
    expect((await next(h, sid, { seq: 2 })).body.remaining_seconds).toBe(7200 - 30);
    clock.advance(200); // a long gap counts as 60 s at most
    expect((await next(h, sid, { seq: 3 })).body.remaining_seconds).toBe(7200 - 90);
  });

  it('a seq not greater than the last one is a retry and credits nothing', async () => {
    const { h, sid } = await start();
    clock.advance(30);
    const a = await next(h, sid, { seq: 2 });
    clock.advance(20);
    const retry = await next(h, sid, { seq: 2 });
    const older = await next(h, sid, { seq: 1 });
    expect(retry.body.remaining_seconds).toBe(a.body.remaining_seconds);
    expect(older.body.remaining_seconds).toBe(a.body.remaining_seconds);
    clock.advance(10);
    expect((await next(h, sid, { seq: 3 })).body.remaining_seconds).toBe(a.body.remaining_seconds - 30);
  });

  it('while paused, time counts only until the pause has lasted 300 s', async () => {
    const { h, sid } = await start();
    clock.advance(30);
    await next(h, sid, { is_paused: true }); // pause starts here: +30 s of playing before it
    for (let i = 0; i < 20; i++) { clock.advance(30); await next(h, sid, { is_paused: true }); } // 600 s paused
    const r = await next(h, sid, { is_paused: false });
    expect(r.body.remaining_seconds).toBe(7200 - 30 - 300);
    clock.advance(30);
    expect((await next(h, sid)).body.remaining_seconds).toBe(7200 - 30 - 300 - 30);
  });

  it('a session without a beat for 5 minutes is stale: the same device resumes in a new session, the gap uncredited', async () => {
    const { h, sid } = await start();
    clock.advance(30);
    await next(h, sid, { seq: 2 });
    clock.advance(301);
    const r = await next(h, sid, { seq: 3 });
    expect(r.body).toMatchObject({ enforcement: 'allowed', reason: 'within_limit', remaining_seconds: 7200 - 30 });
    expect(r.body.session_id).not.toBe(sid);
    const { rows } = await db.query('select id, end_reason, ended_at, last_seq, device_id from viewing_sessions where profile_id = $1 order by started_at', [h.kidId]);
    expect(rows.map((x) => [x.end_reason, x.device_id])).toEqual([['stale', 'tv-1'], [null, 'tv-1']]);
    expect(rows[0].ended_at.toISOString()).toBe('2026-11-25T10:00:30.000Z'); // it ended at its last beat
    expect(Number(rows[1].last_seq)).toBe(3);
    clock.advance(30);
    const after = await next(h, r.body.session_id, { seq: 4 });
    expect(after.body).toMatchObject({ session_id: r.body.session_id, remaining_seconds: 7200 - 60 });
  });

  it('a stale session answered from another device is blocked as superseded, with the id it sent', async () => {
    const { h, sid } = await start();
    clock.advance(400);
    const r = await next(h, sid, { device_id: 'phone-7' });
    expect(r.body).toMatchObject({ session_id: sid, enforcement: 'blocked', reason: 'superseded', remaining_seconds: 0, budget_remaining_minutes: 120, next_change_at: null });
    const { rows } = await db.query('select count(*)::int n from viewing_sessions where profile_id = $1 and ended_at is null', [h.kidId]);
    expect(rows[0].n).toBe(0);
  });

  it('a new start supersedes the active session, which then answers blocked/superseded and is never credited again', async () => {
    const { h, sid } = await start();
    clock.advance(20);
    const other = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular, device_id: 'phone-9', device_type: 'mobile' });
    expect(other.body.session_id).not.toBe(sid);
    expect(other.body.remaining_seconds).toBe(7200 - 20); // the old device's last stretch is credited once
    clock.advance(10);
    const old = await next(h, sid);
    expect(old.body).toMatchObject({ session_id: sid, enforcement: 'blocked', reason: 'superseded', remaining_seconds: 0, budget_remaining_minutes: 119.67 });
    const { rows } = await db.query('select end_reason from viewing_sessions where id = $1', [sid]);
    expect(rows[0].end_reason).toBe('superseded');
  });

  it('an exhausted balance answers blocked and credits nothing more; warnings come before', async () => {
    const { h, sid } = await start();
    await svc.configs.update(h.kidId, { weekday_limit_minutes: 15 });
    const statuses: string[] = [];
    for (let i = 0; i < 34; i++) { clock.advance(30); statuses.push((await next(h, sid)).body.enforcement); }
    expect(statuses.indexOf('warning_15')).toBe(0);
    expect(statuses.indexOf('warning_5')).toBe(19); // 600 s used → 300 s left
    expect(statuses.indexOf('blocked')).toBe(29); // 900 s used
    const { rows } = await db.query('select used_seconds from viewing_time_balances where profile_id = $1', [h.kidId]);
    expect(rows[0].used_seconds).toBe(900); // never inflated past the limit
  });

  it('exempt educational titles stay allowed when the counted balance is exhausted and count as educational', async () => {
    const { h, sid } = await start();
    await svc.configs.update(h.kidId, { weekday_limit_minutes: 15 });
    for (let i = 0; i < 31; i++) { clock.advance(30); await next(h, sid); }
    const edu = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.educational });
    expect(edu.body).toMatchObject({ enforcement: 'allowed', is_educational: true, remaining_seconds: 0 });
    clock.advance(30);
    const again = await beat(api, h.token, { profile_id: h.kidId, session_id: edu.body.session_id, title_id: titles.educational });
    expect(again.body).toMatchObject({ enforcement: 'allowed', educational_minutes: 0.5 });
    await svc.configs.update(h.kidId, { educational_exempt: false });
    clock.advance(30);
    const counted = await beat(api, h.token, { profile_id: h.kidId, session_id: edu.body.session_id, title_id: titles.educational });
    expect(counted.body).toMatchObject({ enforcement: 'blocked', educational_minutes: 0.5 });
  });

  it('a limit lowered below what is used blocks at once', async () => {
    const { h, sid } = await start();
    for (let i = 0; i < 40; i++) { clock.advance(30); await next(h, sid); } // 20 minutes
    await svc.configs.update(h.kidId, { weekday_limit_minutes: 15 });
    clock.advance(30);
    const r = await next(h, sid);
    expect(r.body).toMatchObject({ enforcement: 'blocked', remaining_seconds: 0, used_minutes: 20 });
    const e = await api('GET', `/api/v1/viewing-time/playback-eligible/${h.kidId}`, { token: h.token });
    expect(e.body).toMatchObject({ eligible: false, reason: 'daily_limit_reached' });
  });

  it('adult profiles are unlimited and write nothing to balances', async () => {
    const h = await household(api);
    const s = await beat(api, h.token, { profile_id: h.adultId, title_id: titles.regular });
    clock.advance(30);
    const r = await beat(api, h.token, { profile_id: h.adultId, session_id: s.body.session_id, title_id: titles.regular });
    expect(r.body).toMatchObject({ enforcement: 'allowed', remaining_minutes: null, next_reset_at: null });
    const { rowCount } = await db.query('select 1 from viewing_time_balances where profile_id = $1', [h.adultId]);
    expect(rowCount).toBe(0);
  });

  it('ending a session is idempotent: same ended_at, the last stretch credited once', async () => {
    const { h, sid } = await start();
    clock.advance(25);
    const e1 = await api('POST', `/api/v1/viewing-time/session/${sid}/end`, { token: h.token });
    clock.advance(40);
    const e2 = await api('POST', `/api/v1/viewing-time/session/${sid}/end`, { token: h.token });
    expect(e1.body).toMatchObject({ session_id: sid, end_reason: 'ended', total_seconds: 25 });
    expect(e2.body).toEqual(e1.body);
    const b = await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token });
    expect(b.body.remaining_seconds).toBe(7200 - 25);
    const resumed = await next(h, sid); // the same device plays on: a new session, the gap uncredited
    expect(resumed.body).toMatchObject({ enforcement: 'allowed', remaining_seconds: 7200 - 25 });
    expect(resumed.body.session_id).not.toBe(sid);
  });
});

describe('viewing days', () => {
  it('the reset hour is the boundary: beats before and after go to different days', async () => {
    const h = await household(api);
    clock.set('2026-11-26T04:59:00Z'); // Thursday 05:59 Berlin: still Wednesday's viewing day
    const a = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    expect(a.body.next_reset_at).toBe('2026-11-26T05:00:00.000Z');
    clock.advance(60);
    const b = await beat(api, h.token, { profile_id: h.kidId, session_id: a.body.session_id, title_id: titles.regular });
    expect(b.body.next_reset_at).toBe('2026-11-27T05:00:00.000Z');
    const { rows } = await db.query(`select to_char(reset_date, 'YYYY-MM-DD') d, used_seconds from viewing_time_balances where profile_id = $1 order by reset_date`, [h.kidId]);
    expect(rows).toEqual([{ d: '2026-11-25', used_seconds: 0 }, { d: '2026-11-26', used_seconds: 60 }]);
  });

  it('the weekend starts at the reset hour on Saturday, not at midnight', async () => {
    const h = await household(api);
    await svc.configs.update(h.kidId, { weekday_limit_minutes: 60, weekend_limit_minutes: 240 });
    clock.set('2026-11-28T02:00:00Z'); // Saturday 03:00 Berlin: still Friday
    const fri = await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token });
    expect(fri.body).toMatchObject({ date: '2026-11-27', limit_minutes: 60 });
    clock.set('2026-11-28T05:00:00Z'); // Saturday 06:00
    const sat = await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token });
    expect(sat.body).toMatchObject({ date: '2026-11-28', limit_minutes: 240 });
  });

  it.each([
    ['Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-28', '2026-03-29T04:00:00.000Z'], // spring forward: 23 h day ends 06:00 CEST
    ['Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-24', '2026-10-25T05:00:00.000Z'], // fall back: 25 h day ends 06:00 CET
    ['America/New_York', '2026-03-07T18:00:00Z', '2026-03-07', '2026-03-08T10:00:00.000Z'],
    ['America/New_York', '2026-10-31T18:00:00Z', '2026-10-31', '2026-11-01T11:00:00.000Z'],
    ['Pacific/Auckland', '2026-04-04T06:00:00Z', '2026-04-04', '2026-04-04T18:00:00.000Z'], // DST ends 5 April, 03:00 NZDT
    ['Pacific/Auckland', '2026-09-26T06:00:00Z', '2026-09-26', '2026-09-26T17:00:00.000Z'], // DST starts 27 September: 23 h day
  ])('DST in %s: the day of %s is %s and resets at %s', async (tz, now, date, reset) => {
    const h = await household(api, tz);
    clock.set(now);
    const r = await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token });
    expect(r.body).toMatchObject({ date, next_reset_at: reset });
  });

  it('a reset-hour change mid-day keeps the current day and applies from the next boundary', async () => {
    const h = await household(api);
    const s = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    expect(s.body.next_reset_at).toBe('2026-11-26T05:00:00.000Z');
    await svc.configs.update(h.kidId, { reset_hour: 8 });
    clock.advance(30);
    const r = await beat(api, h.token, { profile_id: h.kidId, session_id: s.body.session_id, title_id: titles.regular });
    expect(r.body.next_reset_at).toBe('2026-11-26T05:00:00.000Z'); // today unchanged
    clock.set('2026-11-26T06:00:00Z'); // Thursday 07:00 Berlin: a new day that runs to Friday 08:00
    const t = await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token });
    expect(t.body).toMatchObject({ date: '2026-11-26', next_reset_at: '2026-11-27T07:00:00.000Z' });
  });
});

describe('bad input and other accounts', () => {
  it('unknown session, title or profile → 404; another household’s profile → 404 with none of its data', async () => {
    const a = await household(api);
    const b = await household(api);
    expect((await beat(api, a.token, { profile_id: a.kidId, title_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await beat(api, a.token, { profile_id: a.kidId, session_id: '00000000-0000-4000-8000-000000000000', title_id: titles.regular })).status).toBe(404);
    const foreign = await beat(api, a.token, { profile_id: b.kidId, title_id: titles.regular });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('profile_not_found');
    expect((await api('GET', `/api/v1/viewing-time/balance/${b.kidId}`, { token: a.token })).status).toBe(404);
    const bs = await beat(api, b.token, { profile_id: b.kidId, title_id: titles.regular });
    expect((await beat(api, a.token, { profile_id: a.kidId, session_id: bs.body.session_id, title_id: titles.regular })).status).toBe(404);
    expect((await api('POST', `/api/v1/viewing-time/session/${bs.body.session_id}/end`, { token: a.token })).status).toBe(404);
  });

  it('invalid fields are 422s naming the field', async () => {
    const a = await household(api);
    const r = await beat(api, a.token, { profile_id: a.kidId, title_id: titles.regular, device_type: 'fridge' });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe('device_type');
    const s = await beat(api, a.token, { profile_id: a.kidId, title_id: titles.regular, seq: -1 });
    expect(s.body.field).toBe('seq');
    const m = await beat(api, a.token, { title_id: titles.regular });
    expect(m.body.field).toBe('profile_id');
  });
});

afterAll(() => {
  const errors = svc.logLines.filter((l) => (l.level as number) >= 50);
  if (errors.length) console.log(JSON.stringify(errors.slice(0, 2), null, 1));
});
