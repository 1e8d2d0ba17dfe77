// What every k6 script shares: the fixture (seeded by `npm run load -- --seed-only`), setup()
// gated on a health check, session starts, and the streams' iteration functions.
import { check, fail } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { SharedArray } from 'k6/data';
import * as api from './api.ts';
import { phaseAt, viewersFor, type Plan } from './plan.ts';

export interface Fixture {
  viewers: api.Viewer[];
  households: api.Household[];
  reportHouseholds: api.Household[];
  historyProfiles: { profileId: string; token: string }[];
}

export interface SetupData {
  skip: string | null;
  /** Optional streams whose endpoint is not built yet: their iterations do nothing. */
  dropped: string[];
  /** Session id per viewer, index-aligned with the fixture's viewers (heartbeat streams). */
  sessions: (string | null)[];
}

/** SharedArrays: the fixture is parsed once and shared by all VUs instead of copied into each. */
export function loadFixture(read: () => string): Fixture {
  const part = <T>(name: keyof Fixture) => new SharedArray<T>(name, () => {
    try {
      return JSON.parse(read())[name] as T[];
    } catch (e) {
      throw new Error(`cannot read the fixture (${String(e)}): seed it first with npm run load -- --scenario <name> --seed-only, then pass -e FIXTURE=<its path>`);
    }
  });
  return { viewers: part('viewers'), households: part('households'), reportHouseholds: part('reportHouseholds'), historyProfiles: part('historyProfiles') };
}

const PROBES: Record<string, (fx: Fixture) => ['GET' | 'POST', string, string]> = {
  pin_verify: (fx) => ['POST', '/parental-controls/pin/verify', fx.households[0].token],
  weekly_report: (fx) => ['GET', '/parental-controls/weekly-report', fx.households[0].token],
  history: (fx) => ['GET', `/parental-controls/profiles/${fx.viewers[0].profileId}/history`, fx.households[0].token],
  grant: (fx) => ['POST', `/parental-controls/profiles/${fx.viewers[0].profileId}/viewing-time/grant`, fx.households[0].token],
};

/** Health gate, then the endpoints issue 4 adds (skip while they answer 404), then every heartbeat viewer's session. */
export function setup(p: Plan, fx: Fixture): SetupData {
  const health = http.get(`${api.BASE_URL}/health/ready`, { tags: { endpoint: 'health' } });
  if (!check(health, { 'service is ready': (r) => r.status === 200 })) fail(`the service at ${api.BASE_URL} is not ready (GET /health/ready answered ${health.status})`);
  const isMissing = (a: string) => PROBES[a] !== undefined && api.missing(...PROBES[a](fx));
  const absent = (p.def.requires ?? []).filter(isMissing);
  if (absent.length) {
    const skip = `SKIPPED: scenario ${p.name} needs ${absent.join(', ')} (parental controls, issue 4), which answer 404 route_not_found here`;
    console.warn(skip);
    return { skip, dropped: [], sessions: [] };
  }
  const dropped = p.streams.filter((s) => s.optional && isMissing(s.action)).map((s) => s.name);
  if (dropped.length) console.warn(`streams ${dropped.join(', ')} do nothing: their endpoint answers 404 route_not_found (issue 4)`);
  const driver = p.streams.find((s) => s.name === p.def.driver)!;
  if (driver.action !== 'heartbeat') return { skip: null, dropped, sessions: [] };
  const n = Math.min(viewersFor(p, driver.rate), fx.viewers.length);
  if (n < viewersFor(p, driver.rate)) console.warn(`the fixture has ${fx.viewers.length} viewers, fewer than this rate needs: each beats more often than the cadence`);
  const sessions: (string | null)[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, (_, k) => fx.viewers[i + k]).map((v) => ({
      method: 'POST', url: `${api.API}/viewing-time/heartbeat`, body: JSON.stringify(api.beatBody(v, 1, null, false)),
      params: { headers: { authorization: `Bearer ${fx.households[v.household].token}`, 'content-type': 'application/json' }, tags: { endpoint: 'session_start', phase: 'start' } },
    }));
    for (const res of http.batch(batch)) {
      api.record(res, { endpoint: 'session_start', phase: 'start' });
      sessions.push(api.json(res)?.session_id ?? null);
    }
  }
  return { skip: null, dropped, sessions };
}

/** Tags of this iteration: its stream's phase from the stream's start plus the time since. */
export function tagsNow(p: Plan, stream: string): api.Tags {
  const s = p.streams.find((x) => x.name === stream)!;
  const fraction = s.from + (Date.now() - exec.scenario.startTime) / 1000 / p.durationS;
  return { phase: phaseAt(p, fraction) };
}

/**
 * Steady beats without shared state: iteration i of the stream beats viewer i mod n with seq
 * 2 + floor(i / n) (the start sent 1), so each viewer's seq rises by one per round.
 */
export function heartbeats(p: Plan, fx: Fixture, data: SetupData, stream: string): void {
  const n = data.sessions.length;
  if (data.skip || !n) return;
  const i = exec.scenario.iterationInTest;
  const v = i % n;
  const session = data.sessions[v];
  if (!session) return;
  const viewer = fx.viewers[v];
  api.heartbeat(viewer, fx.households[viewer.household].token, session, 2 + Math.floor(i / n), Math.random() < p.viewers.pausedShare, tagsNow(p, stream), p.timeout);
}

export const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)];
