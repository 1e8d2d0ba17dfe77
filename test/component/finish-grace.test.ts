// Finishing the title (SPEC §3a): a player that sends position_seconds may finish a title whose
// rest fits the day's finish_grace_minutes when the allowance or an allowed window runs out. Over
// HTTP on the shared test clock; "Cartoon Chaos" is 22 minutes long.
import { randomUUID } from 'node:crypto';
import { newHousehold, waitFor } from '../harness.ts';
import { beat, household, playerSuite, type Api } from './viewing-time.fixtures.ts';

const START = '2026-11-25T15:00:00Z'; // a Wednesday, 16:00 in Berlin
const { clock, suite } = playerSuite(START);
let api: Api;
const other = randomUUID(); // a third title, regular too
beforeAll(async () => {
  ({ api } = suite);
  await suite.db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at) values ($1, 'Dragon Dentist', false, 30, 'G', now())`, [other]);
});

const PIN = '1357';
const settingsPath = (kid: string) => `/api/v1/parental-controls/profiles/${kid}/viewing-time`;
const at = (seconds: number) => new Date(Date.parse(START) + seconds * 1000).toISOString();
type H = Awaited<ReturnType<typeof household>>;

async function family(settings: Record<string, unknown>): Promise<H> {
  const h = await household(api, 'Europe/Berlin');
  expect((await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: PIN } })).status).toBe(200);
  expect((await api('PUT', settingsPath(h.kidId), { token: h.token, body: { ...settings, pin: PIN } })).status).toBe(200);
  return h;
}

/** A player playing the 22-minute title from `from` (seconds into it); beats every 30 s with where it is. */
function player(h: H, from = 0, device = 'tv-1') {
  let position = from;
  const p = {
    session: undefined as string | undefined,
    async beat(o: Record<string, unknown> = {}) {
      const r = await beat(api, h.token, { profile_id: h.kidId, title_id: suite.titles.regular, device_id: device, session_id: p.session, position_seconds: position, ...o });
      expect(r.status).toBe(200);
      if (r.body.reason !== 'superseded') p.session = r.body.session_id;
      return r.body;
    },
    /** `n` beats, 30 s apart; the answers. */
    async play(n: number) {
      const out = [];
      for (let i = 0; i < n; i++) {
        clock.advance(30);
        position += 30;
        out.push(await p.beat());
      }
      return out;
    },
  };
  return p;
}

const balance = async (h: H) => (await api('GET', `/api/v1/viewing-time/balance/${h.kidId}`, { token: h.token })).body;

describe('finishing the title', () => {
  it('the allowance runs out with 7 minutes of the title left: a grace to its end + 60 s that a later position cannot move, counted as overtime; then blocked, and no second budget grace that day', async () => {
    const h = await family({ daily_limits: { wednesday: 15 }, finish_grace_minutes: 10 });
    const p = player(h);
    await p.beat();
    const answers = await p.play(30); // 15 minutes: the last beat spends the allowance at 15:00 into the title
    const started = answers[29];
    expect([started.enforcement, started.reason, started.next_change_at, started.remaining_minutes]).toEqual(['warning_5', 'finishing_title', at(900 + 420 + 60), 8]);
    expect((await balance(h))).toMatchObject({ reason: 'finishing_title', remaining_minutes: 8, used_minutes: 15, overtime_minutes: 0 });
    clock.advance(30);
    const rewound = await p.beat({ position_seconds: 0 }); // a later position (here: rewound to the start) cannot extend it
    expect([rewound.reason, rewound.next_change_at]).toEqual(['finishing_title', at(900 + 480)]);
    const rest = await p.play(15); // up to the grace's end
    expect(rest.slice(0, 14).every((a) => a.reason === 'finishing_title' && a.enforcement === 'warning_5')).toBe(true);
    expect([rest[14].enforcement, rest[14].reason, rest[14].used_minutes]).toEqual(['blocked', 'daily_limit_reached', 15]);
    const b = await balance(h);
    expect([b.overtime_minutes, b.used_minutes, b.remaining_minutes, b.reason]).toEqual([8, 15, 0, 'daily_limit_reached']); // exact: 480 s
    expect((await p.play(2)).map((a) => a.reason)).toEqual(['daily_limit_reached', 'daily_limit_reached']);
    expect((await balance(h)).overtime_minutes).toBe(8);
    // a grant: watching again until it runs out, with little of a title left, gives no second grace for the budget that day
    expect((await api('POST', `${settingsPath(h.kidId)}/grant`, { token: h.token, body: { minutes: 15, pin: PIN } })).status).toBe(200);
    const again = player(h, 1320 - 960);
    await again.beat();
    const second = await again.play(30);
    expect([second[29].enforcement, second[29].reason]).toEqual(['blocked', 'daily_limit_reached']);
    const report = await api('GET', `/api/v1/parental-controls/profiles/${h.kidId}/history?from_date=2026-11-25&to_date=2026-11-25`, { token: h.token });
    expect(report.body.days[0].overtime_minutes).toBe(8);
    // the metrics count the grace and its overtime
    const admin = await newHousehold(api);
    await suite.db.query('update users set is_admin = true where email = $1', [admin.email]);
    const m = await waitFor(async () => {
      const x = (await api('GET', '/api/v1/admin/metrics', { token: admin.access })).body;
      return x.family_rules?.graces_started >= 1 && x;
    }, 'the grace in the metrics', 10_000, 100);
    expect(m.family_rules.overtime_seconds).toBeGreaterThanOrEqual(480);
  });

  it('refused when the rest does not fit, and for a player that sends no position (the old app): blocked as before', async () => {
    const h = await family({ daily_limits: { wednesday: 15 }, finish_grace_minutes: 5 });
    const p = player(h); // at 15:00 into the title 7 minutes are left: more than 5
    await p.beat();
    const answers = await p.play(30);
    expect([answers[29].enforcement, answers[29].reason]).toEqual(['blocked', 'daily_limit_reached']);
    const old = await family({ daily_limits: { wednesday: 15 }, finish_grace_minutes: 30 });
    clock.set(START);
    let session: string | undefined;
    let last: Record<string, unknown> = {};
    for (let i = 0; i <= 30; i++) {
      if (i) clock.advance(30);
      last = (await beat(api, old.token, { profile_id: old.kidId, title_id: suite.titles.regular, session_id: session })).body;
      session = last.session_id as string;
    }
    expect([last.enforcement, last.reason]).toEqual(['blocked', 'daily_limit_reached']);
    expect((await balance(old)).overtime_minutes).toBe(0);
  });

  it.each([
    ['another title on the same session', async (p: ReturnType<typeof player>) => p.beat({ title_id: other })],
    ['a new session on the same device', async (p: ReturnType<typeof player>) => p.beat({ session_id: undefined })],
    ['another device', async (p: ReturnType<typeof player>, h: H) => player(h, 1000, 'tablet-2').beat()],
  ])('during a grace, %s is blocked with the reason of the limit that ran out', async (_what, during) => {
    const h = await family({ daily_limits: { wednesday: 15 }, finish_grace_minutes: 10 });
    const p = player(h);
    await p.beat();
    expect((await p.play(30))[29].reason).toBe('finishing_title');
    clock.advance(30);
    const other = await during(p, h);
    expect([other.enforcement, other.reason]).toEqual(['blocked', 'daily_limit_reached']);
  });

  it('a window that closes mid-title gives its own grace once per window close; the grace counts as overtime, not as viewing', async () => {
    const h = await family({ daily_limits: { wednesday: null }, finish_grace_minutes: 10, allowed_hours: { weekdays: [{ from: '16:00', to: '17:00' }, { from: '18:00', to: '19:00' }] } });
    clock.set('2026-11-25T15:48:00Z'); // 16:48: 12 minutes of the window left, the title 22 long
    const p = player(h);
    await p.beat();
    const answers = await p.play(24); // the last beat is at 17:00, the window's end: 10 minutes of the title left
    expect([answers[23].enforcement, answers[23].reason, answers[23].next_change_at]).toEqual(['warning_5', 'finishing_title', '2026-11-25T16:11:00.000Z']);
    const rest = await p.play(22); // to 17:11
    expect(rest.slice(0, 21).every((a) => a.reason === 'finishing_title')).toBe(true);
    expect([rest[21].enforcement, rest[21].reason]).toEqual(['blocked', 'outside_allowed_hours']);
    let b = await balance(h);
    expect([b.used_minutes, b.overtime_minutes]).toEqual([12, 11]);
    // starting again after it (another session, outside the window) gets no second grace for that close
    clock.set('2026-11-25T16:20:00Z');
    const late = player(h, 600);
    expect((await late.beat()).reason).toBe('outside_allowed_hours');
    expect((await late.play(2)).map((a) => a.reason)).toEqual(['outside_allowed_hours', 'outside_allowed_hours']);
    // the evening window's close gives its own grace
    clock.set('2026-11-25T17:50:00Z'); // 18:50
    const evening = player(h, 600);
    await evening.beat();
    const closing = await evening.play(20); // to 19:00, 20 minutes into the title: 2 minutes left
    expect([closing[19].reason, closing[19].next_change_at]).toEqual(['finishing_title', '2026-11-25T18:03:00.000Z']);
    b = await balance(h);
    expect([b.used_minutes, b.overtime_minutes]).toEqual([22, 11]);
  });
});
