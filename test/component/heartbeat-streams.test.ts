import { seededRandom } from '../harness.ts';
import { beat, household, playerSuite, type Api, type PlayerSuite } from './viewing-time.fixtures.ts';

const { clock, suite } = playerSuite('2026-11-25T09:00:00Z', { LOG_LEVEL: 'debug' });
let svc: PlayerSuite['svc'];
let api: Api;
let db: PlayerSuite['db'];
let titles: PlayerSuite['titles'];
beforeAll(() => { ({ svc, api, db, titles } = suite); });

const usedSeconds = async (profileId: string) =>
  (await db.query('select coalesce(sum(used_seconds), 0)::int s from viewing_time_balances where profile_id = $1', [profileId])).rows[0].s as number;

describe('a continuous stream of heartbeats', () => {
  it('reads the settings once per viewing day, not per TTL, and stays at 1 round trip per beat after the first', async () => {
    const h = await household(api);
    const before = svc.configs.dbReads;
    let sid: string | undefined;
    const ops: number[] = [];
    for (let i = 0; i < 40; i++) { // 20 minutes of beats every 30 s
      const r = await beat(api, h.token, { profile_id: h.kidId, session_id: sid, title_id: titles.regular, seq: i + 1 });
      sid = r.body.session_id;
      ops.push(Number(r.headers.get('x-db-ops')));
      clock.advance(30);
    }
    // the day's balance row holds the day's facts: only its creation needed the settings
    expect(svc.configs.dbReads - before).toBe(1);
    expect(ops[0]).toBe(2); // the profile's first beat of the day creates the day
    expect(ops.slice(1).every((n) => n === 1)).toBe(true);
  });

  it('a config change through the domain operation is seen by the very next heartbeat', async () => {
    const h = await household(api);
    const first = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    clock.advance(30);
    await beat(api, h.token, { profile_id: h.kidId, session_id: first.body.session_id, title_id: titles.regular });
    await svc.configs.update(h.kidId, { weekday_limit_minutes: 30 });
    clock.advance(30);
    const r = await beat(api, h.token, { profile_id: h.kidId, session_id: first.body.session_id, title_id: titles.regular });
    expect(r.body.remaining_seconds).toBe(1800 - 60);
  });

  it('a change rewrites today’s balance row in its own transaction: the limit and the exemption in force', async () => {
    const h = await household(api);
    await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    await svc.configs.update(h.kidId, { weekday_limit_minutes: 45, educational_exempt: false });
    const { rows } = await db.query('select limit_minutes, educational_exempt from viewing_time_balances where profile_id = $1', [h.kidId]);
    expect(rows).toEqual([{ limit_minutes: 45, educational_exempt: false }]);
  });
});

describe('logs', () => {
  it('one debug line per heartbeat with profile, round trips and duration; no tokens anywhere', async () => {
    const h = await household(api);
    const r = await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular });
    const line = svc.logLines.find((l) => l.msg === 'heartbeat' && l.profileId === h.kidId);
    expect(line).toMatchObject({ level: 20, dbOps: Number(r.headers.get('x-db-ops')), status: 200, reqId: r.headers.get('x-request-id') });
    expect(typeof line!.ms).toBe('number');
    const all = JSON.stringify(svc.logLines);
    expect(all).not.toContain(h.token);
    expect(all).not.toContain(h.password);
  });
});

describe('racing starts', () => {
  it('two starts at the same moment leave exactly one active session; the other answers blocked/superseded', async () => {
    for (let round = 0; round < 5; round++) {
      const h = await household(api);
      await beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular }); // warm the caches, so both race on the statement
      const [a, b] = await Promise.all([
        beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular, device_id: 'tv-a' }),
        beat(api, h.token, { profile_id: h.kidId, title_id: titles.regular, device_id: 'tablet-b' }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const { rows } = await db.query('select id from viewing_sessions where profile_id = $1 and ended_at is null', [h.kidId]);
      expect(rows).toHaveLength(1);
      clock.advance(30);
      const [na, nb] = await Promise.all([a, b].map((s) => beat(api, h.token, { profile_id: h.kidId, session_id: s.body.session_id, title_id: titles.regular })));
      const answers = [na.body.enforcement, nb.body.enforcement].sort();
      expect(answers).toEqual(['allowed', 'blocked']);
      expect([na.body.reason, nb.body.reason]).toContain('superseded');
      expect([a, b][answers.indexOf('allowed') === 0 && na.body.enforcement === 'allowed' ? 0 : 1].body.session_id).toBe(rows[0].id);
    }
  });
});

describe('accuracy over an hour of simulated viewing', () => {
  async function simulate(seed: number, switchEveryMinutes: number | null) {
    const h = await household(api);
    const random = seededRandom(seed);
    const start = clock.t;
    let sid: string | undefined;
    let seq = 0;
    let device = 0;
    let lost = 0;
    while (clock.t - start < 3600_000) {
      const minute = (clock.t - start) / 60_000;
      if (switchEveryMinutes && sid && Math.floor(minute / switchEveryMinutes) !== device) {
        device = Math.floor(minute / switchEveryMinutes);
        sid = undefined; // the child picks up another device: a fresh start there
        seq = 0;
      }
      if (sid && random() < 0.05) { lost++; } else {
        const r = await beat(api, h.token, { profile_id: h.kidId, session_id: sid, title_id: titles.regular, seq: ++seq, device_id: `device-${device}` });
        expect(r.status).toBe(200);
        sid = r.body.session_id;
      }
      clock.advance(Math.min(30 + (random() * 6 - 3), 3600 - (clock.t - start) / 1000));
      if (clock.t - start >= 3600_000) break;
    }
    if (sid) await api('POST', `/api/v1/viewing-time/session/${sid}/end`, { token: h.token });
    return { credited: await usedSeconds(h.kidId), lost };
  }

  it('beats every 30 ± 3 s with 5 % lost credit within ±60 s of the real viewing time', async () => {
    const { credited, lost } = await simulate(42, null);
    expect(lost).toBeGreaterThan(0);
    expect(Math.abs(credited - 3600)).toBeLessThanOrEqual(60);
  });

  it('the same when the child switches device every 10 minutes', async () => {
    const { credited } = await simulate(7, 10);
    expect(Math.abs(credited - 3600)).toBeLessThanOrEqual(60);
  });
});
