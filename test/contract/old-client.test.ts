// The old web app's contract (OLD-CLIENT.md), call by call and flow by flow, against a real cluster
// of 2 processes sharing one test clock. Bodies, query strings and the expected fields and types
// are written here by hand from OLD-CLIENT.md, not derived from vtime's own schemas.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dropDatabase, ownDatabase, startCluster, type RunningCluster } from '../cluster-harness.ts';
import { TestClock, uniqueEmail } from '../harness.ts';
import { failure, OldClient, shapeErrors, type FieldType } from './old-client.ts';

// ---- what the client declares (OLD-CLIENT.md §2–§4, "response the client declares")
const TOKENS: Record<string, FieldType> = { access_token: 'string', refresh_token: 'string', token_type: 'string' };
const ME: Record<string, FieldType> = { id: 'string', email: 'string', subscription_tier: 'string', is_admin: 'boolean' };
const PROFILE: Record<string, FieldType> = { id: 'string', name: 'string', avatar_url: 'string|null', parental_rating: 'string|null', is_kids: 'boolean' };
const HEARTBEAT: Record<string, FieldType> = { session_id: 'string', enforcement: 'string', remaining_minutes: 'number|null', used_minutes: 'number', is_educational: 'boolean' };
const BALANCE: Record<string, FieldType> = {
  profile_id: 'string', is_child_profile: 'boolean', has_limits: 'boolean', used_minutes: 'number', educational_minutes: 'number',
  limit_minutes: 'number|null', remaining_minutes: 'number|null', is_unlimited_override: 'boolean', next_reset_at: 'datetime|null', warning_threshold_minutes: 'number[]',
};
const END: Record<string, FieldType> = { session_id: 'string', total_seconds: 'number', ended_at: 'datetime' };
const ELIGIBLE: Record<string, FieldType> = { eligible: 'boolean', remaining_minutes: 'number|null', reason: 'string|null', next_reset_at: 'datetime|null' };
const DETAIL: Record<string, FieldType> = { detail: 'string' };
const VERIFY: Record<string, FieldType> = { verified: 'boolean', pin_token: 'string|null' };
const CONFIG: Record<string, FieldType> = {
  profile_id: 'string', weekday_limit_minutes: 'number|null', weekend_limit_minutes: 'number|null', reset_hour: 'number', educational_exempt: 'boolean',
  timezone: 'string', updated_at: 'datetime',
};
const GRANT: Record<string, FieldType> = { granted_minutes: 'number|null', remaining_minutes: 'number|null', is_unlimited_override: 'boolean' };
const HISTORY: Record<string, FieldType> = { profile_id: 'string', days: 'array' };
const HISTORY_DAY: Record<string, FieldType> = { date: 'string', total_minutes: 'number', educational_minutes: 'number', counted_minutes: 'number', sessions: 'array' };
const HISTORY_SESSION: Record<string, FieldType> = {
  session_id: 'string', title_id: 'string', title_name: 'string', device_type: 'string|null', is_educational: 'boolean', started_at: 'datetime',
  ended_at: 'datetime|null', duration_minutes: 'number',
};
const WEEKLY: Record<string, FieldType> = { week_start: 'string', week_end: 'string', profiles: 'array' };
const WEEKLY_PROFILE: Record<string, FieldType> = {
  profile_id: 'string', profile_name: 'string', daily_totals: 'array', average_daily_minutes: 'number', total_minutes: 'number',
  educational_minutes: 'number', limit_usage_percent: 'number|null', top_titles: 'array',
};
const DAILY_TOTAL: Record<string, FieldType> = { date: 'string', counted_minutes: 'number', educational_minutes: 'number' };
const TOP_TITLE: Record<string, FieldType> = { title_id: 'string', title_name: 'string', total_minutes: 'number' };
const ENFORCEMENT = ['allowed', 'warning_15', 'warning_5', 'blocked'];

const expectShape = (value: unknown, shape: Record<string, FieldType>, where = '') => expect(shapeErrors(value, shape, where)).toEqual([]);

/** What the old player derives from a balance poll (OLD-CLIENT.md §3, getBalance). */
function playerState(b: { has_limits: boolean; is_unlimited_override: boolean; remaining_minutes: number | null }): string {
  if (!b.has_limits || b.is_unlimited_override) return 'allowed';
  const r = b.remaining_minutes ?? 0;
  return r <= 0 ? 'locked' : r <= 5 ? 'warning_5' : r <= 15 ? 'warning_15' : 'allowed';
}

/** What the old player does with a heartbeat answer: blocked locks, allowed unlocks, anything else changes nothing. */
const lockAfter = (locked: boolean, enforcement: string) => (enforcement === 'blocked' ? true : enforcement === 'allowed' ? false : locked);

let cluster: RunningCluster;
let db: pg.Client;
let clock: TestClock;
const titles = { regular: randomUUID(), educational: randomUUID() };
const DEVICE = randomUUID(); // the player's random device id, kept in localStorage
const PASSWORD = 'old app password';

beforeAll(async () => {
  const url = await ownDatabase('vtime_contract');
  clock = new TestClock('2026-11-25T10:00:00Z', path.join(mkdtempSync(path.join(os.tmpdir(), 'vtime-clock-')), 'now'));
  cluster = await startCluster(url, { TEST_CLOCK_FILE: clock.file! });
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at)
    values ($1, 'Space Pirates', false, 22, 'G', now()), ($2, 'Number Owls', true, 15, 'G', now())`, [titles.regular, titles.educational]);
}, 60_000);

afterAll(async () => {
  await cluster?.stop('SIGTERM');
  await db?.end();
  if (cluster) await dropDatabase(cluster.dbUrl);
});

beforeEach(() => clock.set('2026-11-25T10:00:00Z')); // Wednesday, 11:00 in Berlin

/** registerUser, then the profile page: one kids profile ({name, is_kids: true}) and one other ({name}). */
async function household() {
  const app = new OldClient(cluster.url);
  const email = uniqueEmail('old-app');
  app.store(await app.apiFetch('POST', '/auth/register', { email, password: PASSWORD }));
  await app.apiFetch('POST', '/auth/profiles', { name: 'Mia', is_kids: true });
  await app.apiFetch('POST', '/auth/profiles', { name: 'Dad' });
  const profiles = await app.apiFetch<{ id: string; name: string; is_kids: boolean }[]>('GET', '/auth/profiles');
  return { app, email, kid: profiles.find((p) => p.is_kids)!.id, adult: profiles.find((p) => !p.is_kids)!.id };
}

/** loginUser from another device: the same household account, a separate login. */
async function login(email: string): Promise<OldClient> {
  const app = new OldClient(cluster.url);
  app.store(await app.apiFetch('POST', '/auth/login', { email, password: PASSWORD }));
  return app;
}

/** sendHeartbeat exactly as useHeartbeat sends it: no device_type, is_paused false, session_id omitted on the first beat. */
const heartbeat = (app: OldClient, profileId: string, sessionId: string | undefined, titleId: string = titles.regular, deviceId: string = DEVICE) =>
  app.apiFetch('POST', '/viewing-time/heartbeat', { profile_id: profileId, session_id: sessionId, title_id: titleId, device_id: deviceId, is_paused: false });

const balance = (app: OldClient, id: string) => app.apiFetch('GET', `/viewing-time/balance/${id}`);
const configPath = (id: string) => `/parental-controls/profiles/${id}/viewing-time`;

async function withPin(pin = '2580') {
  const h = await household();
  await h.app.apiFetch('POST', '/parental-controls/pin', { new_pin: pin });
  return { ...h, pin };
}

describe('sign-in and profiles (§2)', () => {
  it('registerUser: 201 with the tokens; a duplicate email is a 409', async () => {
    const app = new OldClient(cluster.url);
    const email = uniqueEmail('old-app');
    const tokens = await app.apiFetch('POST', '/auth/register', { email, password: PASSWORD });
    expectShape(tokens, TOKENS);
    expect((await failure(app.apiFetch('POST', '/auth/register', { email, password: PASSWORD }))).status).toBe(409);
  });

  it('loginUser: 200 with the tokens; bad credentials are a 401', async () => {
    const h = await household();
    const app = new OldClient(cluster.url);
    expectShape(await app.apiFetch('POST', '/auth/login', { email: h.email, password: PASSWORD }), TOKENS);
    expect((await failure(app.apiFetch('POST', '/auth/login', { email: h.email, password: 'wrong password' }))).status).toBe(401);
  });

  it('a 401 on a request with a token refreshes once (POST /auth/refresh {refresh_token}) and retries', async () => {
    const h = await household();
    h.app.token = `${h.app.token!.slice(0, -4)}AAAA`; // the stored access token no longer verifies
    const me = await h.app.apiFetch('GET', '/auth/me');
    expect(h.app.refreshes).toBe(1);
    expectShape(me, ME);
  });

  it('getCurrentUser: id, email, subscription_tier (basic by default), is_admin', async () => {
    const h = await household();
    const me = await h.app.apiFetch('GET', '/auth/me');
    expectShape(me, ME);
    expect(me).toMatchObject({ email: h.email, subscription_tier: 'basic', is_admin: false });
  });

  it('createProfile takes {name, is_kids: true} and just {name}: 201, is_kids defaults to false; getProfiles lists them', async () => {
    const app = new OldClient(cluster.url);
    app.store(await app.apiFetch('POST', '/auth/register', { email: uniqueEmail('old-app'), password: PASSWORD }));
    expectShape(await app.apiFetch('POST', '/auth/profiles', { name: 'Leo', is_kids: true }), PROFILE);
    expectShape(await app.apiFetch('POST', '/auth/profiles', { name: 'Mum' }), PROFILE);
    const list = await app.apiFetch<Record<string, unknown>[]>('GET', '/auth/profiles');
    list.forEach((p, i) => expectShape(p, PROFILE, `[${i}].`));
    expect(list.map((p) => [p.name, p.is_kids])).toEqual([['Leo', true], ['Mum', false]]);
  });
});

describe('the player (§3)', () => {
  it('sendHeartbeat: the first beat starts a session whose id the app keeps; later beats credit the time', async () => {
    const h = await household();
    const first = await heartbeat(h.app, h.kid, undefined);
    expectShape(first, HEARTBEAT);
    expect(ENFORCEMENT).toContain(first.enforcement);
    expect(first).toMatchObject({ enforcement: 'allowed', used_minutes: 0, is_educational: false, remaining_minutes: 120 });
    clock.advance(30);
    const next = await heartbeat(h.app, h.kid, first.session_id);
    expect(next).toMatchObject({ session_id: first.session_id, enforcement: 'allowed', used_minutes: 0.5, remaining_minutes: 119.5 });
    // minutes have two decimals, as the old service's round(x, 2): 3 s more is 0.05 more
    clock.advance(3);
    const soon = await heartbeat(h.app, h.kid, first.session_id);
    expect(soon).toMatchObject({ used_minutes: 0.55, remaining_minutes: 119.45 });
    clock.advance(1);
    expect(await heartbeat(h.app, h.kid, first.session_id)).toMatchObject({ used_minutes: 0.57, remaining_minutes: 119.43 });
    expect(await balance(h.app, h.kid)).toMatchObject({ used_minutes: 0.57, remaining_minutes: 119.43 });
  });

  it('getBalance: every declared field; the player stays unlocked; adults have no limits', async () => {
    const h = await household();
    const b = await balance(h.app, h.kid);
    expectShape(b, BALANCE);
    expect(b).toMatchObject({ profile_id: h.kid, is_child_profile: true, has_limits: true, limit_minutes: 120, remaining_minutes: 120, is_unlimited_override: false, warning_threshold_minutes: [15, 5] });
    expect(playerState(b)).toBe('allowed');
    const adult = await balance(h.app, h.adult);
    expectShape(adult, BALANCE);
    expect(adult).toMatchObject({ is_child_profile: false, has_limits: false });
    expect(playerState(adult)).toBe('allowed');
  });

  it('remaining_minutes ≤ 0 means blocked, unless the reason is educational; the balance poll locks the player too', async () => {
    const h = await withPin();
    await h.app.apiFetch('PUT', configPath(h.kid), { weekday_limit_minutes: 15 }); // PIN-verified by the set-up
    const s = await heartbeat(h.app, h.kid, undefined);
    let last = s;
    for (let i = 0; i < 31; i++) { clock.advance(30); last = await heartbeat(h.app, h.kid, s.session_id); }
    expect(last).toMatchObject({ enforcement: 'blocked', remaining_minutes: 0 });
    const b = await balance(h.app, h.kid);
    expect([b.remaining_minutes, playerState(b)]).toEqual([0, 'locked']);
    const edu = await heartbeat(h.app, h.kid, undefined, titles.educational);
    expect(edu).toMatchObject({ enforcement: 'allowed', is_educational: true, remaining_minutes: 0, reason: 'educational' });
  });

  it('a device switch: the old device’s next beat is blocked (superseded) and keeps its id', async () => {
    const h = await household();
    const tv = await heartbeat(h.app, h.kid, undefined, titles.regular, 'tv-device');
    clock.advance(20);
    const tablet = await heartbeat(h.app, h.kid, undefined, titles.regular, 'tablet-device');
    clock.advance(10);
    const old = await heartbeat(h.app, h.kid, tv.session_id, titles.regular, 'tv-device');
    expect(old).toMatchObject({ session_id: tv.session_id, enforcement: 'blocked', reason: 'superseded' });
    expect(lockAfter(false, old.enforcement)).toBe(true);
    clock.advance(30);
    expect(await heartbeat(h.app, h.kid, tablet.session_id, titles.regular, 'tablet-device')).toMatchObject({ session_id: tablet.session_id, enforcement: 'allowed', used_minutes: 1 });
  });

  it('a pause of over 5 minutes (no beats while paused) resumes with a new session id, the gap uncredited', async () => {
    const h = await household();
    let sessionId: string = (await heartbeat(h.app, h.kid, undefined)).session_id;
    clock.advance(30);
    const before = await heartbeat(h.app, h.kid, sessionId);
    clock.advance(8 * 60); // paused: the hook sends nothing
    const resumed = await heartbeat(h.app, h.kid, sessionId);
    expect(resumed.session_id).not.toBe(sessionId);
    expect(resumed).toMatchObject({ enforcement: 'allowed', used_minutes: before.used_minutes });
    sessionId = resumed.session_id; // the app stores whatever id comes back
    clock.advance(30);
    expect(await heartbeat(h.app, h.kid, sessionId)).toMatchObject({ session_id: sessionId, used_minutes: Math.round((before.used_minutes + 0.5) * 100) / 100 });
  });

  it('getBalance: a profile with allowed hours and no limit has limits; outside its window the poll locks the player', async () => {
    const h = await withPin();
    await h.app.apiFetch('PUT', configPath(h.kid), { weekday_limit_minutes: null, weekend_limit_minutes: null, allowed_hours: { weekdays: [{ from: '07:00', to: '12:00' }], weekends: [{ from: '07:00', to: '12:00' }] } });
    const inside = await balance(h.app, h.kid); // 10:00 in the household's UTC: two hours of window left
    expect(inside).toMatchObject({ has_limits: true, limit_minutes: null, remaining_minutes: 120, is_unlimited_override: false });
    expect(playerState(inside)).toBe('allowed');
    clock.set('2026-11-25T12:30:00Z'); // after the window
    const outside = await balance(h.app, h.kid);
    expect(outside).toMatchObject({ has_limits: true, remaining_minutes: 0 });
    expect(playerState(outside)).toBe('locked');
  });

  it('endSession: no body (Content-Type still JSON) → session_id, total_seconds, ended_at', async () => {
    const h = await household();
    const s = await heartbeat(h.app, h.kid, undefined);
    clock.advance(25);
    const end = await h.app.apiFetch('POST', `/viewing-time/session/${s.session_id}/end`);
    expectShape(end, END);
    expect(end).toMatchObject({ session_id: s.session_id, total_seconds: 25 });
  });

  it('checkPlaybackEligibility: eligible, remaining_minutes, reason, next_reset_at', async () => {
    const h = await household();
    const e = await h.app.apiFetch('GET', `/viewing-time/playback-eligible/${h.kid}`);
    expectShape(e, ELIGIBLE);
    expect(e).toMatchObject({ eligible: true, remaining_minutes: 120, reason: 'within_limit', next_reset_at: '2026-11-26T06:00:00.000Z' }); // a household without a timezone: UTC
  });

  it('errors the player handles: another household’s profile (403/404), an unknown title (404)', async () => {
    const a = await household();
    const b = await household();
    expect([403, 404]).toContain((await failure(heartbeat(a.app, b.kid, undefined))).status);
    expect((await failure(heartbeat(a.app, a.kid, undefined, randomUUID()))).status).toBe(404);
    expect([403, 404]).toContain((await failure(balance(a.app, b.kid))).status);
  });
});

describe('the parent pages (§4)', () => {
  it('entry probe before any PIN: verify "0000" fails with a message containing "no pin"; createPin {new_pin} → 200 {detail}', async () => {
    const h = await household();
    const probe = await failure(h.app.apiFetch('POST', '/parental-controls/pin/verify', { pin: '0000' }));
    expect(probe.status).toBe(400);
    expect(probe.message.toLowerCase()).toContain('no pin');
    const created = await h.app.apiFetch('POST', '/parental-controls/pin', { new_pin: '4711' });
    expectShape(created, DETAIL);
  });

  it('parent page flow: probe, verify, load every profile’s settings, save limits without a token, remote grant with only minutes', async () => {
    const { email, kid, adult, pin } = await withPin();
    const parent = await login(email); // the parent page opens in a new login
    const probe = await failure(parent.apiFetch('POST', '/parental-controls/pin/verify', { pin: '0000' }));
    expect(probe.status).toBe(403);
    expect(probe.message.toLowerCase()).not.toContain('no pin'); // → PIN entry, not set-up
    const verified = await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    expectShape(verified, VERIFY);
    expect(verified.verified).toBe(true);
    for (const id of [kid, adult]) expectShape(await parent.apiFetch('GET', configPath(id)), CONFIG); // loaded for adults too
    const saved = await parent.apiFetch('PUT', configPath(kid), { weekday_limit_minutes: 60, timezone: 'America/New_York' }); // no pin_token
    expectShape(saved, CONFIG);
    expect(saved).toMatchObject({ weekday_limit_minutes: 60, timezone: 'America/New_York' });
    const granted = await parent.apiFetch('POST', `${configPath(kid)}/grant`, { minutes: 30 });
    expect(parent.lastStatus).toBe(200); // as the old service answered, not 201
    expectShape(granted, GRANT);
    expect(granted).toMatchObject({ granted_minutes: 30, remaining_minutes: 90, is_unlimited_override: false });
    expect(await balance(parent, kid)).toMatchObject({ remaining_minutes: 90, limit_minutes: 60 }); // the remote-grant panel re-reads it
    const unlimited = await parent.apiFetch('POST', `${configPath(kid)}/grant`, { minutes: null });
    expect(unlimited).toMatchObject({ granted_minutes: null, remaining_minutes: null, is_unlimited_override: true });
  });

  it('settings: reset_hour and educational_exempt changes carry the pin_token; any subset is accepted', async () => {
    const { email, kid, pin } = await withPin();
    const parent = await login(email);
    const { pin_token } = await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    expect(await parent.apiFetch('PUT', configPath(kid), { reset_hour: 7, pin_token })).toMatchObject({ reset_hour: 7 });
    expect(await parent.apiFetch('PUT', configPath(kid), { educational_exempt: false, pin_token })).toMatchObject({ educational_exempt: false });
    expect(await parent.apiFetch('PUT', configPath(kid), { weekend_limit_minutes: null })).toMatchObject({ weekend_limit_minutes: null });
  });

  it('lock screen flow: a parent enters the PIN on the child’s device and grants with the pin_token', async () => {
    const { email, kid, pin } = await withPin();
    const device = await login(email);
    const verified = await device.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    expect(verified.verified).toBe(true);
    const granted = await device.apiFetch('POST', `${configPath(kid)}/grant`, { minutes: 15, pin_token: verified.pin_token });
    expect(device.lastStatus).toBe(200);
    expect(granted).toMatchObject({ granted_minutes: 15, remaining_minutes: 135 });
  });

  it('a wrong PIN is a 403 "Incorrect PIN"; five of them lock PIN checks: 423 with a detail the app shows', async () => {
    const { app } = await withPin();
    const wrong = await failure(app.apiFetch('POST', '/parental-controls/pin/verify', { pin: '1111' }));
    expect([wrong.status, wrong.message]).toEqual([403, 'Incorrect PIN']);
    for (let i = 0; i < 4; i++) await failure(app.apiFetch('POST', '/parental-controls/pin/verify', { pin: '1111' }));
    const locked = await failure(app.apiFetch('POST', '/parental-controls/pin/verify', { pin: '1111' }));
    expect(locked.status).toBe(423);
    expect(locked.message).toMatch(/locked/);
    expect(locked.headers['x-locked-until']).toBe('2026-11-25T10:30:00.000Z');
  });

  it('resetPin {password, new_pin} → 200 {detail}; the new PIN verifies', async () => {
    const { app } = await withPin();
    expectShape(await app.apiFetch('POST', '/parental-controls/pin/reset', { password: PASSWORD, new_pin: '9753' }), DETAIL);
    expect((await app.apiFetch('POST', '/parental-controls/pin/verify', { pin: '9753' })).verified).toBe(true);
  });

  it('getViewingHistory ?from_date&to_date (7 days ago to today, UTC dates): days and sessions as declared', async () => {
    const h = await household();
    const s = await heartbeat(h.app, h.kid, undefined);
    clock.advance(30);
    await heartbeat(h.app, h.kid, s.session_id);
    clock.advance(30);
    await h.app.apiFetch('POST', `/viewing-time/session/${s.session_id}/end`);
    const history = await h.app.apiFetch('GET', `/parental-controls/profiles/${h.kid}/history?from_date=2026-11-18&to_date=2026-11-25`);
    expectShape(history, HISTORY);
    expect(history.days).toHaveLength(1);
    expectShape(history.days[0], HISTORY_DAY, 'days[0].');
    expectShape(history.days[0].sessions[0], HISTORY_SESSION, 'days[0].sessions[0].');
    expect(history.days[0]).toMatchObject({ date: '2026-11-25', total_minutes: 1, counted_minutes: 1, educational_minutes: 0 });
    expect(history.days[0].sessions[0]).toMatchObject({ title_name: 'Space Pirates', duration_minutes: 1, device_type: 'web', is_educational: false });
  });

  it('getWeeklyReport: every declared field; profile_name.charAt(0) renders', async () => {
    const h = await household();
    const s = await heartbeat(h.app, h.kid, undefined);
    for (let i = 0; i < 4; i++) { clock.advance(30); await heartbeat(h.app, h.kid, s.session_id); }
    await h.app.apiFetch('POST', `/viewing-time/session/${s.session_id}/end`);
    const report = await h.app.apiFetch('GET', '/parental-controls/weekly-report');
    expectShape(report, WEEKLY);
    expect(report).toMatchObject({ week_start: '2026-11-23', week_end: '2026-11-29' });
    const p = report.profiles[0];
    expectShape(p, WEEKLY_PROFILE, 'profiles[0].');
    expect(p.profile_name.charAt(0)).toBe('M');
    expect(p.daily_totals).toHaveLength(7);
    p.daily_totals.forEach((d: unknown, i: number) => expectShape(d, DAILY_TOTAL, `daily_totals[${i}].`));
    expectShape(p.top_titles[0], TOP_TITLE, 'top_titles[0].');
    expect(p.top_titles[0]).toMatchObject({ title_id: titles.regular, title_name: 'Space Pirates', total_minutes: 2 });
    expect(p.daily_totals[2]).toMatchObject({ date: '2026-11-25', counted_minutes: 2, educational_minutes: 0 });
    expect(p.average_daily_minutes).toBeCloseTo(2 / 3, 1);
  });
});

describe('the PIN-verified login session (SPEC §3 PIN)', () => {
  const change = (app: OldClient, kid: string, minutes = 90) => app.apiFetch('PUT', configPath(kid), { weekday_limit_minutes: minutes });

  it('another login of the household stays locked, and so does a kids-scoped token, while the first is verified', async () => {
    const { email, kid, pin } = await withPin();
    const parent = await login(email);
    await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    const tablet = await login(email); // the child's tablet, logged in after the parent verified
    const refused = await failure(change(tablet, kid));
    expect([refused.status, (refused.body as { code: string }).code]).toEqual([403, 'invalid_pin_token']);
    expect(tablet.refreshes).toBe(0); // a 403, not a 401: the app did not refresh and retry
    const device = new OldClient(cluster.url);
    device.store(await parent.apiFetch('POST', `/auth/profiles/${kid}/select`));
    expect((await failure(change(device, kid))).status).toBe(403);
    expect(await change(parent, kid)).toMatchObject({ weekday_limit_minutes: 90 });
  });

  it('the window survives a token refresh and ends with pin/lock, with logout, and after 5 minutes', async () => {
    const { email, kid, pin } = await withPin();
    const parent = await login(email);
    await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    parent.store(await parent.apiFetch('POST', '/auth/refresh', { refresh_token: parent.refreshToken }));
    expect(await change(parent, kid, 60)).toMatchObject({ weekday_limit_minutes: 60 });
    await parent.apiFetch('POST', '/parental-controls/pin/lock');
    expect((await failure(change(parent, kid))).status).toBe(403);

    await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    expect(await change(parent, kid, 75)).toMatchObject({ weekday_limit_minutes: 75 });
    await parent.apiFetch('POST', '/auth/logout', { refresh_token: parent.refreshToken });
    expect((await failure(change(parent, kid))).status).toBe(403); // the access token still works, the window does not

    const again = await login(email);
    await again.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    clock.advance(4 * 60 + 59);
    expect(await change(again, kid, 45)).toMatchObject({ weekday_limit_minutes: 45 });
    clock.advance(2);
    expect((await failure(change(again, kid))).status).toBe(403);
  });

  it('a PIN change or reset ends every login’s window', async () => {
    const { email, kid, pin, app } = await withPin();
    const parent = await login(email);
    await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin });
    await app.apiFetch('POST', '/parental-controls/pin', { new_pin: '1470', current_pin: pin });
    expect((await failure(change(parent, kid))).status).toBe(403);
    await parent.apiFetch('POST', '/parental-controls/pin/verify', { pin: '1470' });
    await app.apiFetch('POST', '/parental-controls/pin/reset', { password: PASSWORD, new_pin: '3690' });
    expect((await failure(change(parent, kid))).status).toBe(403);
  });
});

// SPEC §3: the old player locks from a heartbeat's `blocked` and from a balance poll (has_limits,
// remaining_minutes ≤ 0, is_unlimited_override false). Each family rule must lock both ways,
// also on a day with an unlimited-today grant, which lifts the budget alone.
describe('family rules reach the old player (SPEC §3, §3a)', () => {
  type Rule = { name: string; reason: string; set: (h: Awaited<ReturnType<typeof withPin>>) => Promise<number> };
  const rules: Rule[] = [
    {
      name: 'a pause', reason: 'paused_by_parent',
      set: async (h) => { await h.app.apiFetch('POST', `/parental-controls/profiles/${h.kid}/pause`, { pin: h.pin, minutes: 30 }); return 0; },
    },
    {
      name: 'a break', reason: 'break_time',
      set: async (h) => { await h.app.apiFetch('PUT', configPath(h.kid), { daily_limits: { wednesday: null }, break_rule: { after_minutes: 15, break_minutes: 5 } }); return 15 * 2; },
    },
    {
      name: "the day's own limit", reason: 'daily_limit_reached',
      set: async (h) => { await h.app.apiFetch('PUT', configPath(h.kid), { daily_limits: { tuesday: 120, wednesday: 15, thursday: 120 } }); return 15 * 2; },
    },
    {
      name: 'the weekly limit', reason: 'weekly_limit_reached',
      set: async (h) => { await h.app.apiFetch('PUT', configPath(h.kid), { daily_limits: { wednesday: 120 }, weekly_limit_minutes: 60, bank: { cap_minutes: 60 }, finish_grace_minutes: 10 }); return 60 * 2; },
    },
    {
      name: 'the allowed hours', reason: 'outside_allowed_hours',
      set: async (h) => { await h.app.apiFetch('PUT', configPath(h.kid), { allowed_hours: { weekdays: [{ from: '07:00', to: '10:15' }], weekends: [] } }); return 15 * 2; },
    },
  ];

  for (const rule of rules) {
    for (const unlimited of [false, true]) {
      it(`${rule.name}${unlimited ? ', on a day with an unlimited-today grant,' : ''} locks the old player by heartbeat and keeps it locked by balance poll`, async () => {
        const h = await withPin(); // the set-up's login is PIN-verified
        if (unlimited) await h.app.apiFetch('POST', `${configPath(h.kid)}/grant`, { minutes: null });
        const s = await heartbeat(h.app, h.kid, undefined);
        const beats = await rule.set(h);
        let locked = lockAfter(false, s.enforcement);
        let last = s;
        for (let i = 0; i <= beats; i++) {
          clock.advance(30);
          last = await heartbeat(h.app, h.kid, s.session_id);
          locked = lockAfter(locked, last.enforcement);
        }
        // the budget (the day's own limit, the week's) under an unlimited grant is what the grant lifts
        const lifted = unlimited && ['daily_limit_reached', 'weekly_limit_reached'].includes(rule.reason);
        if (lifted) {
          expect(last).toMatchObject({ enforcement: 'allowed', reason: 'unlimited_today' });
          const b = await balance(h.app, h.kid);
          expect(b).toMatchObject({ has_limits: true, is_unlimited_override: true, remaining_minutes: null });
          expect([locked, playerState(b)]).toEqual([false, 'allowed']);
          return;
        }
        expect(last).toMatchObject({ enforcement: 'blocked', reason: rule.reason, remaining_minutes: 0 });
        expect(locked).toBe(true);
        for (let poll = 0; poll < 3; poll++) { // the lock screen polls; no beat is sent meanwhile
          clock.advance(20);
          const b = await balance(h.app, h.kid);
          expectShape(b, BALANCE);
          expect(b).toMatchObject({ has_limits: true, remaining_minutes: 0, is_unlimited_override: false, reason: rule.reason });
          expect(playerState(b)).toBe('locked');
        }
        const eligible = await h.app.apiFetch('GET', `/viewing-time/playback-eligible/${h.kid}`);
        expect(eligible).toMatchObject({ eligible: false, remaining_minutes: 0, reason: rule.reason });
      });
    }
  }
});
