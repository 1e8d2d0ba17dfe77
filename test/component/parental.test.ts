import { randomUUID } from 'node:crypto';
import { beat, household, playerSuite, type Api, type PlayerSuite } from './viewing-time.fixtures.ts';

// Wednesday 2026-11-25 10:00 UTC (11:00 Berlin): a weekday, 120 min limit
const { clock, suite } = playerSuite('2026-11-25T10:00:00Z', { WORKER_THREADS: '2' });
let svc: PlayerSuite['svc'];
let api: Api;
let db: PlayerSuite['db'];
let titles: PlayerSuite['titles'];
beforeAll(() => { ({ svc, api, db, titles } = suite); });

async function family(tz = 'Europe/Berlin') {
  const h = await household(api, tz);
  await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '2468' } });
  const pinToken = (await api('POST', '/api/v1/parental-controls/pin/verify', { token: h.token, body: { pin: '2468' } })).body.pin_token as string;
  return { ...h, pinToken };
}
const settingsPath = (id: string) => `/api/v1/parental-controls/profiles/${id}/viewing-time`;
const grant = (f: { token: string; pinToken: string }, id: string, minutes: number | null) =>
  api('POST', `${settingsPath(id)}/grant`, { token: f.token, body: { minutes, pin_token: f.pinToken, device_id: 'parent-phone' } });
async function watch(f: { token: string; kidId: string }, seconds: number, title = titles.regular) {
  const s = await beat(api, f.token, { profile_id: f.kidId, title_id: title });
  let last = s;
  for (let t = 0; t < seconds; t += 30) {
    clock.advance(30);
    last = await beat(api, f.token, { profile_id: f.kidId, session_id: s.body.session_id, title_id: title });
  }
  return last;
}

describe('settings', () => {
  it('GET shows the stored settings; PUT is a partial update that returns the stored state', async () => {
    const f = await family();
    const got = await api('GET', settingsPath(f.kidId), { token: f.token });
    expect(got.body).toMatchObject({ weekday_limit_minutes: 120, weekend_limit_minutes: 180, reset_hour: 6, educational_exempt: true, timezone: 'Europe/Berlin', version: 1, pending_change: null });
    const put = await api('PUT', settingsPath(f.kidId), { token: f.token, body: { weekend_limit_minutes: null, reset_hour: 7, pin_token: f.pinToken } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ weekday_limit_minutes: 120, weekend_limit_minutes: null, reset_hour: 7, version: 2 });
    expect(put.body.pending_change).toEqual({ effective_at: '2026-11-26T05:00:00.000Z', current_reset_hour: 6, current_timezone: 'Europe/Berlin' });
    expect((await api('GET', settingsPath(f.kidId), { token: f.token })).body).toEqual(put.body);
  });

  it('validates each field, explicit null included, and loses nothing on a 422', async () => {
    const f = await family();
    const cases: [Record<string, unknown>, string][] = [
      [{ weekday_limit_minutes: 17 }, 'weekday_limit_minutes'], [{ weekday_limit_minutes: 495 }, 'weekday_limit_minutes'],
      [{ reset_hour: 24 }, 'reset_hour'], [{ reset_hour: null }, 'reset_hour'], [{ timezone: null }, 'timezone'],
      [{ timezone: 'Moon/Base' }, 'timezone'], [{ educational_exempt: null }, 'educational_exempt'], [{ colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const r = await api('PUT', settingsPath(f.kidId), { token: f.token, body: { ...body, pin_token: f.pinToken } });
      expect([r.status, r.body.field]).toEqual([422, field]);
    }
    expect((await api('GET', settingsPath(f.kidId), { token: f.token })).body.version).toBe(1);
  });

  it('If-Match or version guards against lost updates (409 on a stale version)', async () => {
    const f = await family();
    const ok = await api('PUT', settingsPath(f.kidId), { token: f.token, headers: { 'if-match': '"1"' }, body: { weekday_limit_minutes: 90, pin_token: f.pinToken } });
    expect(ok.body.version).toBe(2);
    const stale = await api('PUT', settingsPath(f.kidId), { token: f.token, headers: { 'if-match': '"1"' }, body: { weekday_limit_minutes: 60, pin_token: f.pinToken } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict', current_version: 2 });
    const staleBody = await api('PUT', settingsPath(f.kidId), { token: f.token, body: { weekday_limit_minutes: 60, version: 1, pin_token: f.pinToken } });
    expect(staleBody.status).toBe(409);
    expect((await api('GET', settingsPath(f.kidId), { token: f.token })).body.weekday_limit_minutes).toBe(90);
  });

  it('adult profiles are unlimited: their settings read as no limits, and cannot be changed (404)', async () => {
    const f = await family();
    const got = await api('GET', settingsPath(f.adultId), { token: f.token });
    expect(got.body).toMatchObject({ profile_id: f.adultId, weekday_limit_minutes: null, weekend_limit_minutes: null, timezone: 'Europe/Berlin', pending_change: null });
    expect((await api('PUT', settingsPath(f.adultId), { token: f.token, body: { weekday_limit_minutes: 60, pin_token: f.pinToken } })).status).toBe(404);
  });

  it('a change reaches the next heartbeat at once (caches invalidated)', async () => {
    const f = await family();
    const s = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular });
    await api('PUT', settingsPath(f.kidId), { token: f.token, body: { weekday_limit_minutes: 15, pin_token: f.pinToken } });
    clock.advance(30);
    const r = await beat(api, f.token, { profile_id: f.kidId, session_id: s.body.session_id, title_id: titles.regular });
    expect(r.body.remaining_seconds).toBe(900 - 30);
  });
});

describe('grants', () => {
  it('+30 min with nothing used gives limit + 30', async () => {
    const f = await family();
    const g = await grant(f, f.kidId, 30);
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ granted_minutes: 30, bonus_minutes: 30, remaining_minutes: 150, is_unlimited_override: false, date: '2026-11-25', expires_at: '2026-11-26T05:00:00.000Z' });
    const b = await api('GET', `/api/v1/viewing-time/balance/${f.kidId}`, { token: f.token });
    expect(b.body.remaining_minutes).toBe(150);
  });

  it('a grant while over a lowered limit gives real time', async () => {
    const f = await family();
    await watch(f, 20 * 60);
    await api('PUT', settingsPath(f.kidId), { token: f.token, body: { weekday_limit_minutes: 15, pin_token: f.pinToken } });
    const g = await grant(f, f.kidId, 30);
    expect(g.body.remaining_minutes).toBe(25); // 15 + 30 − 20
    const e = await api('GET', `/api/v1/viewing-time/playback-eligible/${f.kidId}`, { token: f.token });
    expect(e.body).toMatchObject({ eligible: true, reason: 'within_limit', remaining_minutes: 25 });
  });

  it('unlimited today: heartbeats allowed with remaining null until the next viewing day', async () => {
    const f = await family();
    await api('PUT', settingsPath(f.kidId), { token: f.token, body: { weekday_limit_minutes: 15, pin_token: f.pinToken } });
    const blocked = await watch(f, 16 * 60);
    expect(blocked.body.enforcement).toBe('blocked');
    await grant(f, f.kidId, null);
    const s = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular });
    expect(s.body).toMatchObject({ enforcement: 'allowed', remaining_minutes: null });
    clock.set('2026-11-26T05:00:30Z'); // Thursday 06:00:30 Berlin: a new viewing day, the limit is back
    const next = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular });
    expect(next.body).toMatchObject({ enforcement: 'warning_15', remaining_minutes: 15 });
  });

  it('the ledger lists every grant with who, when and from which device; grants need PIN proof', async () => {
    const f = await family();
    await grant(f, f.kidId, 15);
    clock.advance(60);
    await grant(f, f.kidId, null);
    const otherLogin = (await api('POST', '/api/v1/auth/login', { body: { email: f.email, password: f.password } })).body.access_token;
    const refused = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: otherLogin, body: { minutes: 30 } });
    expect([refused.status, refused.body.code]).toEqual([403, 'invalid_pin_token']);
    expect((await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, body: { minutes: 10, pin_token: f.pinToken } })).status).toBe(422);
    const list = await api('GET', `${settingsPath(f.kidId)}/grants?from_date=2026-11-01&to_date=2026-11-30`, { token: f.token });
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).toMatchObject({ minutes: null, unlimited: true, date: '2026-11-25', granted_by: f.email, device_id: 'parent-phone', granted_at: '2026-11-25T10:01:00.000Z' });
    expect(list.body.items[1]).toMatchObject({ minutes: 15, unlimited: false });
  });

  it('the ledger and the history default to the same last 30 viewing days, today included', async () => {
    const f = await family();
    const ledger = await api('GET', `${settingsPath(f.kidId)}/grants`, { token: f.token });
    const history = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history`, { token: f.token });
    expect([ledger.body.from_date, ledger.body.to_date]).toEqual(['2026-10-27', '2026-11-25']);
    expect([history.body.from_date, history.body.to_date]).toEqual([ledger.body.from_date, ledger.body.to_date]);
  });
});

describe('kids devices', () => {
  it('a selected kids profile gets a token limited to its own player endpoints', async () => {
    const f = await family();
    const other = await api('POST', '/api/v1/auth/profiles', { token: f.token, body: { name: 'Sibling', is_kids: true } });
    const sel = await api('POST', `/api/v1/auth/profiles/${f.kidId}/select`, { token: f.token });
    expect(sel.status).toBe(200);
    const device = sel.body.access_token as string;
    const s = await beat(api, device, { profile_id: f.kidId, title_id: titles.regular });
    expect(s.status).toBe(200);
    expect((await api('GET', `/api/v1/viewing-time/balance/${f.kidId}`, { token: device })).status).toBe(200);
    expect((await api('GET', `/api/v1/viewing-time/playback-eligible/${f.kidId}`, { token: device })).status).toBe(200);
    expect((await api('POST', `/api/v1/viewing-time/session/${s.body.session_id}/end`, { token: device })).status).toBe(200);
    // the sibling's profile, and every parental, account and admin endpoint, refuse it
    expect((await beat(api, device, { profile_id: other.body.id, title_id: titles.regular })).status).toBe(403);
    for (const [method, path, body] of [
      ['PUT', settingsPath(f.kidId), { weekday_limit_minutes: 480, pin_token: f.pinToken }],
      ['POST', `${settingsPath(f.kidId)}/grant`, { minutes: null, pin_token: f.pinToken }],
      ['GET', settingsPath(f.kidId), undefined], ['GET', '/api/v1/parental-controls/weekly-report', undefined],
      ['POST', '/api/v1/parental-controls/pin/verify', { pin: '2468' }], ['GET', '/api/v1/auth/me', undefined],
      ['GET', '/api/v1/auth/profiles', undefined], ['POST', `/api/v1/auth/profiles/${f.kidId}/select`, undefined],
      ['POST', '/api/v1/admin/titles', { title: 'x', duration_minutes: 5, age_rating: 'G' }],
    ] as const) {
      const r = await api(method, path, { token: device, body });
      expect([path, r.status]).toEqual([path, 403]);
    }
    expect((await api('POST', `/api/v1/auth/profiles/${f.adultId}/select`, { token: f.token })).status).toBe(409);
  });

  it('unlock with the PIN gives the household login back; a wrong PIN does not', async () => {
    const f = await family();
    const device = (await api('POST', `/api/v1/auth/profiles/${f.kidId}/select`, { token: f.token })).body.access_token;
    expect((await api('POST', '/api/v1/auth/unlock', { token: device, body: { pin: '1111' } })).status).toBe(403);
    const ok = await api('POST', '/api/v1/auth/unlock', { token: device, body: { pin: '2468' } });
    expect(ok.status).toBe(200);
    expect((await api('GET', '/api/v1/auth/me', { token: ok.body.access_token })).status).toBe(200);
  });
});

describe('authorization matrix: another account’s ids and misplaced kids tokens', () => {
  it('never a 2xx, never the other account’s data', async () => {
    const a = await family();
    const b = await family();
    const bSession = (await beat(api, b.token, { profile_id: b.kidId, title_id: titles.regular })).body.session_id;
    await grant(b, b.kidId, 30);
    const bDevice = (await api('POST', `/api/v1/auth/profiles/${b.kidId}/select`, { token: b.token })).body.access_token;
    const requests: [string, string, unknown][] = [
      ['POST', '/api/v1/viewing-time/heartbeat', { profile_id: b.kidId, title_id: titles.regular, device_id: 'x' }],
      ['POST', '/api/v1/viewing-time/heartbeat', { profile_id: a.kidId, session_id: bSession, title_id: titles.regular, device_id: 'x' }],
      ['GET', `/api/v1/viewing-time/balance/${b.kidId}`, undefined],
      ['GET', `/api/v1/viewing-time/playback-eligible/${b.kidId}`, undefined],
      ['POST', `/api/v1/viewing-time/session/${bSession}/end`, undefined],
      ['GET', settingsPath(b.kidId), undefined],
      ['PUT', settingsPath(b.kidId), { weekday_limit_minutes: 480, pin_token: a.pinToken }],
      ['POST', `${settingsPath(b.kidId)}/grant`, { minutes: 120, pin_token: a.pinToken }],
      ['GET', `${settingsPath(b.kidId)}/grants`, undefined],
      ['GET', `/api/v1/parental-controls/profiles/${b.kidId}/history`, undefined],
      ['POST', `/api/v1/auth/profiles/${b.kidId}/select`, undefined],
    ];
    const aDevice = (await api('POST', `/api/v1/auth/profiles/${a.kidId}/select`, { token: a.token })).body.access_token;
    for (const token of [a.token, aDevice]) {
      for (const [method, path, body] of requests) {
        const r = await api(method, path, { token, body });
        expect([method, path, r.status >= 400 && r.status < 500]).toEqual([method, path, true]);
        expect(r.text).not.toContain(b.email);
        expect(r.text).not.toContain(bSession);
      }
    }
    // a kids device of B cannot reach A either, nor B's parental side
    expect((await api('GET', `/api/v1/viewing-time/balance/${a.kidId}`, { token: bDevice })).status).toBe(403);
    const report = await api('GET', '/api/v1/parental-controls/weekly-report', { token: a.token });
    expect(report.body.profiles.map((p: { profile_id: string }) => p.profile_id)).toEqual([a.kidId]);
    // nothing of B changed
    const bSettings = await api('GET', settingsPath(b.kidId), { token: b.token });
    expect(bSettings.body).toMatchObject({ weekday_limit_minutes: 120, version: 1 });
    const { rows } = await db.query('select count(*)::int n from time_grants where profile_id = $1', [b.kidId]);
    expect(rows[0].n).toBe(1);
  });
});

describe('history', () => {
  it('groups by viewing day in the profile’s timezone, newest first, title names only, paged without loss', async () => {
    const f = await family('Pacific/Auckland');
    // Auckland is UTC+13 in November: 2026-11-24T16:30Z is 05:30 on the 25th, still the 24th's viewing day (reset 6)
    for (const [at, seconds] of [['2026-11-24T16:30:00Z', 120], ['2026-11-24T17:30:00Z', 90], ['2026-11-23T20:00:00Z', 60]] as const) {
      clock.set(at);
      const s = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular });
      clock.advance(seconds > 60 ? 60 : seconds);
      if (seconds > 60) { await beat(api, f.token, { profile_id: f.kidId, session_id: s.body.session_id, title_id: titles.regular }); clock.advance(seconds - 60); }
      await api('POST', `/api/v1/viewing-time/session/${s.body.session_id}/end`, { token: f.token });
    }
    clock.set('2026-11-25T10:00:00Z');
    const h = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history`, { token: f.token });
    expect(h.status).toBe(200);
    expect(h.body.days.map((d: { date: string }) => d.date)).toEqual(['2026-11-25', '2026-11-24']);
    expect(h.body.days[0]).toMatchObject({ total_minutes: 1.5, counted_minutes: 1.5, educational_minutes: 0 });
    expect(h.body.days[1]).toMatchObject({ total_minutes: 3 });
    expect(h.body.days[1].sessions.map((s: { title_name: string }) => s.title_name)).toEqual(['Cartoon Chaos', 'Cartoon Chaos']);
    expect(h.body.days[1].sessions[0]).toMatchObject({ title_id: titles.regular, duration_minutes: 2, device_type: 'tv', is_educational: false });
    const p1 = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?limit=2`, { token: f.token });
    expect(p1.body.has_more).toBe(true);
    const p2 = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?limit=2&cursor=${p1.body.next_cursor}`, { token: f.token });
    expect(p2.body).toMatchObject({ has_more: false, next_cursor: null });
    // pages hold whole days: the 24th does not fit beside the 25th, so it comes whole on page 2
    expect(p1.body.days.map((d: { date: string }) => d.date)).toEqual(['2026-11-25']);
    expect(p2.body.days.map((d: { date: string; sessions: unknown[] }) => [d.date, d.sessions.length])).toEqual([['2026-11-24', 2]]);
    const one = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?limit=1&cursor=2026-11-24`, { token: f.token });
    expect(one.body.days.map((d: { date: string; sessions: unknown[] }) => [d.date, d.sessions.length])).toEqual([['2026-11-24', 2]]); // a day longer than a page comes whole
    const ids = [...p1.body.days, ...p2.body.days].flatMap((d: { sessions: { session_id: string }[] }) => d.sessions.map((s) => s.session_id));
    expect(new Set(ids).size).toBe(3);
  });

  it('a session starting exactly at the end of to_date’s viewing day is left out and belongs to the next day', async () => {
    const f = await family(); // Berlin, reset 06:00: the 24th's viewing day ends 2026-11-25T05:00Z
    for (const at of ['2026-11-25T04:59:59Z', '2026-11-25T05:00:00Z']) {
      clock.set(at);
      const s = await beat(api, f.token, { profile_id: f.kidId, title_id: titles.regular });
      await api('POST', `/api/v1/viewing-time/session/${s.body.session_id}/end`, { token: f.token });
    }
    clock.set('2026-11-25T10:00:00Z');
    const path = `/api/v1/parental-controls/profiles/${f.kidId}/history`;
    const upTo24 = await api('GET', `${path}?from_date=2026-11-24&to_date=2026-11-24`, { token: f.token });
    expect(upTo24.body.days.map((d: { date: string; sessions: { started_at: string }[] }) => [d.date, d.sessions.map((x) => x.started_at)]))
      .toEqual([['2026-11-24', ['2026-11-25T04:59:59.000Z']]]);
    const the25th = await api('GET', `${path}?from_date=2026-11-25&to_date=2026-11-25`, { token: f.token });
    expect(the25th.body.days.map((d: { date: string; sessions: { started_at: string }[] }) => [d.date, d.sessions.map((x) => x.started_at)]))
      .toEqual([['2026-11-25', ['2026-11-25T05:00:00.000Z']]]);
  });

  it('refuses more than 90 days and bad cursors with 422', async () => {
    const f = await family();
    const r = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?from_date=2026-01-01&to_date=2026-11-25`, { token: f.token });
    expect([r.status, r.body.field]).toEqual([422, 'from_date']);
    const c = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?cursor=nonsense`, { token: f.token });
    expect([c.status, c.body.field]).toEqual([422, 'cursor']);
  });

  it('over 10,000 sessions the query uses the (profile_id, started_at) index, never a sequential scan of sessions', async () => {
    const f = await family();
    await db.query(`insert into viewing_sessions (id, profile_id, title_id, device_id, device_type, is_educational, started_at, last_heartbeat_at, ended_at, end_reason, total_seconds)
      select gen_random_uuid(), $1, $2, 'tv', 'tv', false, ts, ts + interval '20 min', ts + interval '20 min', 'ended', 1200
      from generate_series(timestamptz '2025-06-01', timestamptz '2025-06-01' + interval '9999 hours', interval '1 hour') ts`, [f.kidId, titles.regular]);
    await db.query('analyze viewing_sessions');
    const sql = svc.requests.length;
    const r = await api('GET', `/api/v1/parental-controls/profiles/${f.kidId}/history?from_date=2026-05-01&to_date=2026-06-15&limit=50`, { token: f.token });
    expect(r.status).toBe(200);
    const stmts = svc.requests.slice(sql).flatMap((q) => q.ops.statements).filter((s) => s.includes('from "viewing_sessions"'));
    expect(stmts).toHaveLength(1); // one query for the page, titles joined
    // the very statement the service ran, planned as it ran (MikroORM inlines its parameters)
    const plan = await db.query(`explain (format json) ${stmts[0]}`);
    const text = JSON.stringify(plan.rows[0]);
    expect(text).toContain('viewing_sessions_profile_started_idx');
    expect(text).not.toMatch(/"Node Type":"Seq Scan"[^{}]*"Relation Name":"viewing_sessions"/);
  });
});

describe('weekly report', () => {
  async function reportOps(children: number) {
    const f = await family();
    for (let i = 1; i < children; i++) await api('POST', '/api/v1/auth/profiles', { token: f.token, body: { name: `Kid ${i}`, is_kids: true } });
    const r = await api('GET', '/api/v1/parental-controls/weekly-report?week_start=2026-11-23', { token: f.token });
    expect(r.body.profiles).toHaveLength(children);
    return Number(r.headers.get('x-db-ops'));
  }

  it('makes the same number of queries (at most 3) for 1 and for 10 children', async () => {
    const one = await reportOps(1);
    const ten = await reportOps(10);
    expect(one).toBe(ten);
    expect(ten).toBeLessThanOrEqual(3);
  });

  it('matches hand-computed figures for a week with a grant, an unlimited day and educational viewing', async () => {
    const f = await family();
    const at = (iso: string) => clock.set(iso);
    // Mon 23 Nov: 30 min counted. Tue 24: 10 min educational + 20 min counted, grant +15. Wed 25: unlimited day, 40 min counted.
    at('2026-11-23T15:00:00Z'); await watch(f, 30 * 60);
    at('2026-11-24T15:00:00Z'); await watch(f, 10 * 60, titles.educational);
    at('2026-11-24T16:00:00Z'); await watch(f, 20 * 60); await grant(f, f.kidId, 15);
    at('2026-11-25T08:00:00Z'); await grant(f, f.kidId, null); await watch(f, 40 * 60);
    at('2026-11-25T12:00:00Z');
    const r = await api('GET', '/api/v1/parental-controls/weekly-report?week_start=2026-11-23', { token: f.token });
    const p = r.body.profiles[0];
    expect(r.body).toMatchObject({ week_start: '2026-11-23', week_end: '2026-11-29' });
    expect(p.daily_totals.slice(0, 4)).toEqual([
      { date: '2026-11-23', minutes: 30, counted_minutes: 30, educational_minutes: 0, limit_minutes: 120, bonus_minutes: 0, unlimited: false, refused_minutes: 0, paused_minutes: 0, break_minutes: 0, banked_minutes: 0, bank_spent_minutes: 0, overtime_minutes: 0 },
      { date: '2026-11-24', minutes: 30, counted_minutes: 20, educational_minutes: 10, limit_minutes: 120, bonus_minutes: 15, unlimited: false, refused_minutes: 0, paused_minutes: 0, break_minutes: 0, banked_minutes: 0, bank_spent_minutes: 0, overtime_minutes: 0 },
      { date: '2026-11-25', minutes: 40, counted_minutes: 40, educational_minutes: 0, limit_minutes: null, bonus_minutes: 0, unlimited: true, refused_minutes: 0, paused_minutes: 0, break_minutes: 0, banked_minutes: 0, bank_spent_minutes: 0, overtime_minutes: 0 },
      { date: '2026-11-26', minutes: 0, counted_minutes: 0, educational_minutes: 0, limit_minutes: 120, bonus_minutes: 0, unlimited: false, refused_minutes: 0, paused_minutes: 0, break_minutes: 0, banked_minutes: 0, bank_spent_minutes: 0, overtime_minutes: 0 },
    ]);
    expect(p.daily_totals[5]).toMatchObject({ date: '2026-11-28', limit_minutes: 180 }); // weekend limit
    expect(p).toMatchObject({ profile_name: 'Kid', total_minutes: 100, counted_minutes: 90, educational_minutes: 10, days_elapsed: 3, average_daily_minutes: 33.33 });
    // limit usage on counted minutes over the elapsed limited days only: (30 + 20) / (120 + 120 + 15) = 19.6 %
    expect(p.limit_usage_percent).toBe(19.6);
    expect(p.top_titles).toEqual([
      { title_id: titles.regular, title_name: 'Cartoon Chaos', total_minutes: 90 },
      { title_id: titles.educational, title_name: 'Counting with Owls', total_minutes: 10 },
    ]);
    expect(p.grants.map((g: { minutes: number | null; date: string }) => [g.date, g.minutes])).toEqual([['2026-11-24', 15], ['2026-11-25', null]]);
  });

  it('top titles: the three most watched of four, in order, with their exact minutes', async () => {
    const f = await family();
    const more = await Promise.all(['Dino Dash', 'Space Cats'].map(async (title) => {
      const id = randomUUID();
      await db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at) values ($1, $2, false, 25, 'G', now())`, [id, title]);
      return { id, title };
    }));
    // Mon: Cartoon Chaos 4 min; Tue: Dino Dash 7.5 min, Counting with Owls 2 min; Wed: Space Cats 6 min, Cartoon Chaos 1 more
    clock.set('2026-11-23T15:00:00Z'); await watch(f, 4 * 60);
    clock.set('2026-11-24T15:00:00Z'); await watch(f, 7.5 * 60, more[0].id);
    clock.set('2026-11-24T16:00:00Z'); await watch(f, 2 * 60, titles.educational);
    clock.set('2026-11-25T08:00:00Z'); await watch(f, 6 * 60, more[1].id);
    clock.set('2026-11-25T09:00:00Z'); await watch(f, 60);
    const r = await api('GET', '/api/v1/parental-controls/weekly-report?week_start=2026-11-23', { token: f.token });
    expect(r.body.profiles[0].top_titles).toEqual([
      { title_id: more[0].id, title_name: 'Dino Dash', total_minutes: 7.5 },
      { title_id: more[1].id, title_name: 'Space Cats', total_minutes: 6 },
      { title_id: titles.regular, title_name: 'Cartoon Chaos', total_minutes: 5 },
    ]);
  });
});
