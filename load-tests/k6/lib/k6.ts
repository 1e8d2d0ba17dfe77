// The k6 transport of the shared plan (../../lib/plan.ts): k6/http requests tagged by endpoint
// and phase, X-DB-Ops into the db_ops Trend, the plan's checks, setup() and each stream's
// iteration. The fixture comes from `npm run load -- --scenario <name> --seed-only`.
import { check, fail, sleep } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import * as plan from '../../lib/plan.ts';

export { k6Options } from '../../lib/plan.ts';

export const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8000';
const dbOps = new Trend('db_ops');
const startFailures = new Counter(plan.START_FAILURES);

export interface SetupData { skip: string | null; dropped: string[]; sessions: (string | null)[] }
export interface Suite { p: plan.Plan; fx: plan.Fixture }
type Tags = Record<string, string>;

/** Init context only (the caller passes what open() read): the plan, and the fixture as SharedArrays parsed once for all VUs. */
export function suite(name: string, scenariosJson: string, readFixture: () => string): Suite {
  const p = plan.resolvePlan(JSON.parse(scenariosJson) as plan.ScenarioFile, name, plan.overridesFromEnv(__ENV));
  const part = <T>(key: string): T[] => new SharedArray<T>(key, () => {
    try {
      const fx = JSON.parse(readFixture());
      return key === 'pin' ? [fx.pin] : fx[key] || [];
    } catch (e) {
      throw new Error(`cannot read the fixture (${String(e)}): seed it first with npm run load -- --scenario ${name} --seed-only, then pass -e FIXTURE=<its path>`);
    }
  });
  const fx: plan.Fixture = {
    pin: part<string>('pin')[0], viewers: part('viewers'), households: part('households'), reportHouseholds: part('reportHouseholds'), historyProfiles: part('historyProfiles'),
    loginEmails: part('loginEmails'),
  };
  return { p, fx };
}

export function send(req: plan.Req, tags: Tags, timeoutMs: number): plan.Answer {
  const t = { ...tags, endpoint: req.endpoint };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  if (req.headers) for (const k of Object.keys(req.headers)) headers[k] = req.headers[k];
  const expected = req.endpoint === 'probe' ? http.expectedStatuses({ min: 200, max: 299 }, 404, 422) : req.expected ? http.expectedStatuses(...req.expected) : undefined;
  const res = http.request(req.method, BASE_URL + plan.API + req.path, req.body === undefined ? null : JSON.stringify(req.body), {
    headers, tags: t, timeout: `${timeoutMs}ms`, ...(expected ? { responseCallback: expected } : {}),
  });
  const ops = res.headers['X-Db-Ops'];
  if (ops !== undefined) dbOps.add(Number(ops), t);
  let body: any = null;
  try { body = res.json(); } catch { /* not JSON */ }
  const answer = { status: res.status, body };
  if (Object.keys(req.checks).length) check(answer, req.checks, t);
  return answer;
}

/** The phase of this iteration: its stream's start (a fraction) plus the time since its k6 scenario began. */
export function tagsNow(p: plan.Plan, stream: string): Tags {
  const s = p.streams.filter((x) => x.name === stream)[0];
  return { phase: plan.phaseAt(p.scenario.phases, s.from + (Date.now() - exec.scenario.startTime) / p.durationMs) };
}

const viewerCount = (s: Suite) => Math.min(s.p.viewers, s.fx.viewers.length);

/** Health gate, endpoints not built yet (skip, or drop an optional stream), then every heartbeat viewer's session. */
export function setup({ p, fx }: Suite): SetupData {
  const health = http.get(`${BASE_URL}/health/ready`, { tags: { endpoint: 'health' } });
  if (!check(health, { 'service is ready': (r) => r.status === 200 })) fail(`the service at ${BASE_URL} is not ready (GET /health/ready answered ${health.status})`);
  const missing = (a: plan.Action) => { const req = plan.probe(a, fx); return req !== null && plan.isMissing(send(req, {}, p.timeoutMs)); };
  const absent = p.scenario.requires.filter(missing);
  if (absent.length) {
    const skip = `SKIPPED: scenario ${p.name} needs ${absent.join(', ')}, which answer 404 route_not_found here`;
    console.warn(skip);
    return { skip, dropped: [], sessions: [] };
  }
  const dropped = p.streams.filter((s) => s.optional && missing(s.action)).map((s) => s.name);
  if (dropped.length) console.warn(`streams ${dropped.join(', ')} do nothing: their endpoint answers 404 route_not_found`);
  if (!p.streams.some((s) => s.action === 'heartbeat')) return { skip: null, dropped, sessions: [] };
  const n = viewerCount({ p, fx });
  if (n < p.viewers) console.warn(`the fixture has ${fx.viewers.length} viewers, fewer than this rate needs (${p.viewers}): each beats more often than the cadence`);
  const answers: plan.Answer[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 100); k++) {
      const req = plan.beat(fx, k, 1, null, false);
      batch.push({ method: req.method, url: BASE_URL + plan.API + req.path, body: JSON.stringify(req.body),
        params: { headers: { authorization: `Bearer ${req.token}`, 'content-type': 'application/json' }, tags: { endpoint: 'session_start', phase: 'start' } } });
    }
    for (const res of http.batch(batch)) {
      const ops = res.headers['X-Db-Ops'];
      if (ops !== undefined) dbOps.add(Number(ops), { endpoint: 'session_start', phase: 'start' });
      let body: any = null;
      try { body = res.json(); } catch { /* not JSON */ }
      answers.push({ status: res.status, body });
    }
  }
  const report = plan.startReport(answers);
  startFailures.add(report.failed);
  if (report.message) console.error(report.message);
  return { skip: null, dropped, sessions: report.sessions };
}

/** A steady beat: iteration i beats viewer i mod n on the session setup() started. */
export function heartbeats(s: Suite, data: SetupData, stream: string): void {
  const n = data.sessions.length;
  if (data.skip || !n) return;
  const { viewer, seq } = plan.beatOf(exec.scenario.iterationInTest, n);
  const session = data.sessions[viewer];
  if (!session) return; // its failed start was counted and reported by setup()
  send(plan.beat(s.fx, viewer, seq, session, Math.random() < s.p.pausedShare), tagsNow(s.p, stream), s.p.timeoutMs);
}

/** day-in-the-life: this VU's one iteration plays its own viewers for the whole stream (plan.daySchedule). */
export function players(s: Suite, data: SetupData, stream: string): void {
  const st = s.p.streams.filter((x) => x.name === stream)[0];
  const endAt = exec.scenario.startTime + (st.until - st.from) * s.p.durationMs;
  const sched = plan.daySchedule(s.p, st, viewerCount(s));
  const slot = exec.scenario.iterationInTest;
  if (data.skip || slot >= sched.vus) { sleep(Math.max(0, endAt - Date.now()) / 1000); return; }
  const owned = sched.owned(slot);
  const states = owned.map(() => plan.newViewer());
  const beats = s.p.scenario.day ? s.p.scenario.day.beatsPerSession : [10, 40] as [number, number];
  for (let k = 0; ; k++) {
    const due = exec.scenario.startTime + sched.dueMs(slot, k);
    if (due >= endAt) break;
    if (due > Date.now()) sleep((due - Date.now()) / 1000);
    const j = k % owned.length;
    const tags = tagsNow(s.p, stream);
    let req: plan.Req | null = plan.dayStep(s.fx, owned[j], states[j], Math.random, s.p.pausedShare);
    while (req) req = plan.dayAnswered(beats, s.fx, owned[j], states[j], req, send(req, tags, s.p.timeoutMs), Math.random);
  }
}

/** One arrival of a stream that sends a single request (balance, grant, pin_verify, failed_login, weekly_report, history). */
export function single(s: Suite, data: SetupData, stream: string): void {
  if (data.skip || data.dropped.indexOf(stream) >= 0) return;
  const st = s.p.streams.filter((x) => x.name === stream)[0];
  send(plan.arrival(st.action, s.fx, (n) => Math.floor(Math.random() * n)), tagsNow(s.p, stream), s.p.timeoutMs);
}
