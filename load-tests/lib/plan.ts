// THE scenario plan, shared by the k6 scripts (k6/*.ts, bundled for k6's runtime) and the npm
// runner (run.ts): resolving a scenario of scenarios.json with its overrides and profile, the k6
// options, every request an action sends with its checks, the viewer model of day-in-the-life,
// how setup() reports failed session starts, and the k6 command and summary. No Node or k6 APIs
// here, and only ES2017 runtime features: each runner adds its transport alone.

export const ACTIONS = ['heartbeat', 'day', 'balance', 'pin_verify', 'failed_login', 'weekly_report', 'history', 'grant', 'live_grant', 'time_request'] as const;
export type Action = (typeof ACTIONS)[number];
type Thresholds = Record<string, string[]>;
type TagSet = Record<string, string>;

export interface StreamDef { action: Action; rate: number; from?: number; until?: number; preAllocatedVUs?: number; maxVUs?: number; optional?: boolean }
export interface Compare { metric: string; stat: string; tags: TagSet; base: TagSet; test: TagSet; maxIncrease: number }
export interface SeedDef { reportHouseholds: number; kidsPerReportHousehold: number; sessionsPerKidDay: number; historyProfiles: number; sessionsPerHistoryProfile: number }
/** Live-event streams a scenario holds open from `from` (a fraction of the run) on: `streams` in all, over households whose first `verifiedHouseholds` verify the PIN first. */
export interface LiveDef { streams: number; from: number; verifiedHouseholds: number }
export interface Profile { duration: string; rates: Record<string, number>; thresholds: Thresholds; seed?: SeedDef; compare?: Compare[]; live?: LiveDef }
export interface ScenarioDef {
  description: string;
  duration: string;
  driver: string;
  requires?: Action[];
  phases?: { name: string; until: number }[];
  streams: Record<string, StreamDef>;
  seed?: SeedDef;
  day?: { beatsPerSession: [number, number] };
  live?: LiveDef;
  /** A slow and a fast webhook receiver for the first households (npm runner only: load-tests/lib/webhooks.ts). */
  webhooks?: { households: number; slowMs: number };
  /** This share of the viewers' kids has a break rule (15 min on, 5 off) and is seeded 15..45 s of counted viewing short of a break, so each starts one during the run. */
  breakShare?: number;
  /** false: the npm runner only (k6 has no client for text/event-stream), so there is no k6 script. */
  k6?: boolean;
  thresholds: Thresholds;
  compare?: Compare[];
  smoke: Profile;
}
export interface ScenarioFile {
  viewers: { cadenceSeconds: number; speed: number; kidsPerHousehold: number; timezones: string[]; titles: number; educationalEvery: number; pausedShare: number; pin: string; tokenTtlSeconds: number };
  generator: { timeout: string; lateMs: number; preAllocatedVUs: number; maxVUs: number };
  saturation: { from: number; resolution: number; stepDuration: string; max: number; p99LimitMs: number };
  scenarios: Record<string, ScenarioDef>;
}
/** A scenario with its defaults filled in (and the profile's seed and comparisons, when it has them). */
export type Scenario = ScenarioDef & Required<Pick<ScenarioDef, 'requires' | 'phases' | 'compare'>>;
export type Stream = { name: string; action: Action; rate: number; from: number; until: number; preAllocatedVUs: number; maxVUs: number; optional: boolean };
export interface Overrides { profile?: string; rate?: number; rates?: Record<string, number>; duration?: string; viewers?: number; speed?: number }

export interface Plan {
  name: string;
  scenario: Scenario;
  durationMs: number;
  streams: Stream[];
  thresholds: Thresholds;
  /** Viewers the driver stream cycles through: rate × cadence / speed, so each one keeps the cadence. */
  viewers: number;
  /** How often one viewer acts: the 30-s player cadence compressed `speed` times. */
  cadenceMs: number;
  pausedShare: number;
  timeoutMs: number;
  overrides: Overrides;
}

/** "60s", "2m", "1m30s", "500ms" → milliseconds. */
export function parseDuration(s: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let matched = '';
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * unit[m[2]];
    matched += m[0];
  }
  if (!matched || matched !== s.trim()) throw new Error(`not a duration: "${s}" (use e.g. 30s, 2m, 1m30s)`);
  return total;
}

export const viewersFor = (rate: number, cadenceSeconds: number, speed: number): number => Math.max(1, Math.ceil((rate * cadenceSeconds) / speed));

function parseRates(s: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of (s || '').split(',').filter(Boolean)) {
    const [name, n] = pair.split('=');
    if (!(Number(n) > 0)) throw new Error(`RATES: "${pair}" is not stream=N with N > 0`);
    out[name] = Number(n);
  }
  return out;
}

/** k6's -e variables (RATE, RATES, PROFILE, DURATION, VIEWERS, SPEED): the npm runner's flags. */
export function overridesFromEnv(env: Record<string, string | undefined>): Overrides {
  const num = (k: string) => (env[k] ? Number(env[k]) : undefined);
  return { profile: env.PROFILE || undefined, rate: num('RATE'), rates: parseRates(env.RATES), duration: env.DURATION || undefined, viewers: num('VIEWERS'), speed: num('SPEED') };
}

/** Applies the profile (smoke) and overrides; the driver stream's rate decides the viewer count. */
export function resolvePlan(f: ScenarioFile, name: string, o: Overrides = {}): Plan {
  const def = f.scenarios[name];
  if (!def) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(f.scenarios).join(', ')}`);
  if (!def.streams[def.driver]) throw new Error(`scenario ${name}: driver stream "${def.driver}" is not defined`);
  if (o.profile && o.profile !== 'smoke') throw new Error(`unknown profile "${o.profile}" (only: smoke)`);
  const smoke = o.profile === 'smoke' ? def.smoke : undefined;
  if (o.profile === 'smoke' && !smoke) throw new Error(`scenario ${name} has no smoke profile`);
  const rates: Record<string, number> = { ...(smoke ? smoke.rates : {}), ...o.rates };
  if (o.rate) rates[def.driver] = o.rate;
  const streams = Object.keys(def.streams).map((n): Stream => {
    const s = def.streams[n];
    return {
      name: n, action: s.action, rate: rates[n] ?? s.rate, from: s.from ?? 0, until: s.until ?? 1, optional: s.optional ?? false,
      preAllocatedVUs: s.preAllocatedVUs ?? f.generator.preAllocatedVUs, maxVUs: s.maxVUs ?? f.generator.maxVUs,
    };
  });
  const scenario: Scenario = {
    ...def, requires: def.requires ?? [], phases: def.phases ?? [{ name: 'main', until: 1 }],
    seed: smoke?.seed ?? def.seed, compare: smoke?.compare ?? def.compare ?? [], live: smoke?.live ?? def.live,
  };
  const speed = o.speed ?? f.viewers.speed;
  const driver = streams.filter((s) => s.name === def.driver)[0];
  return {
    name, scenario, streams, overrides: o,
    durationMs: parseDuration(o.duration ?? smoke?.duration ?? def.duration),
    thresholds: smoke ? smoke.thresholds : def.thresholds,
    viewers: o.viewers ?? viewersFor(driver.rate, f.viewers.cadenceSeconds, speed),
    cadenceMs: (f.viewers.cadenceSeconds * 1000) / speed, pausedShare: f.viewers.pausedShare, timeoutMs: parseDuration(f.generator.timeout),
  };
}

/** The phase in force at a fraction of the run (phases are ordered by `until`). */
export function phaseAt(phases: { name: string; until: number }[], fraction: number): string {
  return (phases.filter((p) => fraction < p.until)[0] ?? phases[phases.length - 1]).name;
}

/** The command --seed-only prints: the k6 script with every override the fixture was seeded for. */
export function k6Command(plan: Plan, baseUrl: string, fixture: string): string {
  const o = plan.overrides;
  const env: [string, string | undefined][] = [
    ['BASE_URL', baseUrl], ['FIXTURE', fixture], ['PROFILE', o.profile], ['RATE', o.rate === undefined ? undefined : String(o.rate)],
    ['RATES', o.rates && Object.keys(o.rates).length ? Object.keys(o.rates).map((k) => `${k}=${o.rates![k]}`).join(',') : undefined],
    ['DURATION', o.duration], ['VIEWERS', o.viewers === undefined ? undefined : String(o.viewers)], ['SPEED', o.speed === undefined ? undefined : String(o.speed)],
  ];
  return `k6 run ${env.filter(([, v]) => v !== undefined).map(([k, v]) => `-e ${k}=${v}`).join(' ')} load-tests/k6/${plan.name}.ts`;
}

// ---- k6 options

/** Counted by the k6 scripts' setup() for every viewer whose session did not start: must stay 0. */
export const START_FAILURES = 'session_start_failures';

/**
 * One k6 scenario per stream: constant-arrival-rate, except day-in-the-life's players, who keep
 * per-viewer state and so run as constant VUs that each own a fixed slice of the viewers (see
 * daySchedule). Thresholds verbatim, plus no failed session start in setup().
 */
export function k6Options(p: Plan): { scenarios: Record<string, Record<string, unknown>>; thresholds: Thresholds; setupTimeout: string; summaryTrendStats: string[] } {
  const scenarios: Record<string, Record<string, unknown>> = {};
  for (const s of p.streams) {
    const common = { exec: s.name, startTime: `${Math.round((s.from * p.durationMs) / 1000)}s`, duration: `${Math.round(((s.until - s.from) * p.durationMs) / 1000)}s`, tags: { stream: s.name }, gracefulStop: '10s' };
    if (s.action === 'day') {
      scenarios[s.name] = { executor: 'constant-vus', vus: daySchedule(p, s, p.viewers).vus, ...common };
      continue;
    }
    const slow = s.rate < 1; // k6 wants whole iterations per time unit
    scenarios[s.name] = {
      executor: 'constant-arrival-rate', rate: slow ? 1 : Math.round(s.rate), timeUnit: slow ? `${Math.round(1 / s.rate)}s` : '1s',
      preAllocatedVUs: s.preAllocatedVUs, maxVUs: s.maxVUs, ...common,
    };
  }
  const startsSessions = p.streams.some((s) => s.action === 'heartbeat');
  return {
    scenarios, thresholds: startsSessions ? { ...p.thresholds, [START_FAILURES]: ['count==0'] } : p.thresholds, setupTimeout: '300s',
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  };
}

// ---- requests and their checks

export const API = '/api/v1';
export interface Viewer { profileId: string; household: number; titleId: string; deviceId: string; deviceType: string }
export interface Household { userId: string; token: string; kids: string[] }
export interface Fixture {
  pin: string; viewers: Viewer[]; households: Household[]; reportHouseholds: Household[]; historyProfiles: { profileId: string; token: string }[];
  /** Viewers whose parents verified the PIN before the run (live-events), and each such household's pin_token: answers need no bcrypt. */
  verified?: number[];
  pinTokens?: Record<number, string>;
  /** Emails of seeded accounts, for the failed-login storm (older fixtures have none). */
  loginEmails?: string[];
}
export interface Answer { status: number; body: any }
export interface Req {
  method: 'GET' | 'POST'; path: string; token: string; body?: unknown; endpoint: string; checks: Record<string, (a: Answer) => boolean>;
  headers?: Record<string, string>;
  /** Statuses that are answers, not failures (http_req_failed); default: below 400. */
  expected?: number[];
}

const tokenOf = (fx: Fixture, i: number) => fx.households[fx.viewers[i].household].token;

/** A heartbeat: without a session id it starts the viewer's session (ending any previous one). */
export function beat(fx: Fixture, i: number, seq: number, sessionId: string | null, paused: boolean): Req {
  const v = fx.viewers[i];
  const body = { profile_id: v.profileId, title_id: v.titleId, device_id: v.deviceId, device_type: v.deviceType, seq, ...(sessionId ? { session_id: sessionId, is_paused: paused } : {}) };
  if (!sessionId) {
    return { method: 'POST', path: '/viewing-time/heartbeat', token: tokenOf(fx, i), body, endpoint: 'session_start',
      checks: { 'session start is 200 with a session_id': (a) => a.status === 200 && typeof a.body?.session_id === 'string' } };
  }
  return { method: 'POST', path: '/viewing-time/heartbeat', token: tokenOf(fx, i), body, endpoint: 'heartbeat', checks: {
    'heartbeat is 200': (a) => a.status === 200,
    'heartbeat keeps its session': (a) => a.body?.session_id === sessionId && a.body?.reason !== 'superseded',
  } };
}

/**
 * The session to beat on next, as the old player does: the id that came back (a resumed session
 * has a new one), null when another device took over (start anew), the same after an error.
 */
export function sessionAfter(sent: string, a: Answer): string | null {
  if (a.status !== 200) return sent;
  return a.body?.reason === 'superseded' ? null : (a.body?.session_id ?? sent);
}

/** Steady beats without shared state: iteration i beats viewer i mod n with seq 2 + ⌊i / n⌋ (the start sent 1). */
export const beatOf = (iteration: number, n: number) => ({ viewer: iteration % n, seq: 2 + Math.floor(iteration / n) });

const eligibility = (fx: Fixture, i: number): Req => ({
  method: 'GET', path: `/viewing-time/playback-eligible/${fx.viewers[i].profileId}`, token: tokenOf(fx, i), endpoint: 'playback_eligible',
  checks: { 'eligibility is 200 with a verdict': (a) => a.status === 200 && typeof a.body?.eligible === 'boolean' },
});

const end = (fx: Fixture, i: number, sessionId: string): Req => ({
  method: 'POST', path: `/viewing-time/session/${sessionId}/end`, token: tokenOf(fx, i), endpoint: 'session_end',
  checks: { 'session end is 200 with ended_at': (a) => a.status === 200 && typeof a.body?.ended_at === 'string' },
});

/** What one arrival of a stream other than heartbeat/day does; pick(n) chooses among n (at random). */
export function arrival(action: Action, fx: Fixture, pick: (n: number) => number): Req {
  switch (action) {
    case 'balance': {
      const i = pick(fx.viewers.length);
      return { method: 'GET', path: `/viewing-time/balance/${fx.viewers[i].profileId}`, token: tokenOf(fx, i), endpoint: 'balance',
        checks: { 'balance is 200': (a) => a.status === 200 && typeof a.body?.used_minutes === 'number' } };
    }
    case 'grant': {
      const i = pick(fx.viewers.length);
      return { method: 'POST', path: `/parental-controls/profiles/${fx.viewers[i].profileId}/viewing-time/grant`, token: tokenOf(fx, i), endpoint: 'grant',
        body: { minutes: 15, pin: fx.pin, device_id: 'load-parent-phone' }, checks: { 'grant is 200': (a) => a.status === 200 && typeof a.body?.grant_id === 'string' } };
    }
    case 'live_grant': {
      // a parent who verified the PIN a moment ago: the pin_token, no bcrypt
      const i = verifiedViewer(fx, pick);
      return { method: 'POST', path: `/parental-controls/profiles/${fx.viewers[i].profileId}/viewing-time/grant`, token: tokenOf(fx, i), endpoint: 'grant',
        body: { minutes: 15, device_id: 'load-parent-phone', pin_token: fx.pinTokens?.[fx.viewers[i].household] }, checks: { 'grant is 200': (a) => a.status === 200 && typeof a.body?.grant_id === 'string' } };
    }
    case 'time_request': {
      const i = verifiedViewer(fx, pick);
      return { method: 'POST', path: '/viewing-time/requests', token: tokenOf(fx, i), endpoint: 'time_request', body: { profile_id: fx.viewers[i].profileId, minutes: 15 },
        // one pending per profile and 10 a day: a 409 or 429 is the service keeping its limits
        checks: { 'time request is 201, or 409/429 by its limits': (a) => a.status === 201 || a.status === 409 || a.status === 429 } };
    }
    case 'pin_verify':
      // a storm of 20/s is ~4.5 cores of bcrypt: most must be refused at once (429 busy), not queued
      return { method: 'POST', path: '/parental-controls/pin/verify', token: fx.households[pick(fx.households.length)].token, body: { pin: fx.pin }, endpoint: 'pin_verify',
        expected: [200, 429], checks: { 'pin verify is 200 with a pin_token, or 429 busy with retry_after': (a) => (a.status === 200 && typeof a.body?.pin_token === 'string') || refusedBusy(a) } };
    case 'failed_login':
      return failedLogin(fx, pick);
    case 'weekly_report': {
      const h = fx.reportHouseholds[pick(fx.reportHouseholds.length)];
      return { method: 'GET', path: '/parental-controls/weekly-report', token: h.token, endpoint: 'weekly_report',
        checks: { 'weekly report is 200 with every child': (a) => a.status === 200 && a.body?.profiles?.length === h.kids.length } };
    }
    case 'history': {
      const p = fx.historyProfiles[pick(fx.historyProfiles.length)];
      return { method: 'GET', path: `/parental-controls/profiles/${p.profileId}/history`, token: p.token, endpoint: 'history',
        checks: { 'history is 200 with days': (a) => a.status === 200 && (a.body?.days?.length ?? 0) > 0 } };
    }
    default:
      throw new Error(`action ${action} is not a single request`);
  }
}

const verifiedViewer = (fx: Fixture, pick: (n: number) => number): number =>
  (fx.verified && fx.verified.length ? fx.verified[pick(fx.verified.length)] : pick(fx.viewers.length));

/** The parent's answer to a time request just made (time_request's follow-up), with the household's pin_token. */
export function approve(fx: Fixture, asked: Req, id: string): Req {
  const i = fx.viewers.findIndex((v) => v.profileId === (asked.body as { profile_id: string }).profile_id);
  return { method: 'POST', path: `/parental-controls/requests/${id}/approve`, token: asked.token, body: { pin_token: fx.pinTokens?.[fx.viewers[i].household] }, endpoint: 'request_approve',
    checks: { 'approval is 200 with its grant': (a) => a.status === 200 && a.body?.request?.status === 'approved' && !!a.body?.grant } };
}

const refusedBusy = (a: Answer) => a.status === 429 && typeof a.body?.retry_after === 'number';

// the storm's client addresses: 10.0.0.0/12, one per arrival at random, so no address limit is reached
const ADDRESSES = 1 << 20;
const address = (n: number) => `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;

/**
 * A wrong password: half for seeded accounts, half for emails nobody registered, each from a
 * client address of its own (X-Forwarded-For, the runner's service trusts the generator as its
 * proxy), so the limits seldom stop one before bcrypt would run.
 */
function failedLogin(fx: Fixture, pick: (n: number) => number): Req {
  const emails = fx.loginEmails || [];
  const email = emails.length && pick(2) === 0 ? emails[pick(emails.length)] : `nobody-${pick(1e9)}@load.vtime.invalid`;
  return { method: 'POST', path: '/auth/login', token: '', body: { email, password: 'not the password' }, endpoint: 'failed_login',
    headers: { 'x-forwarded-for': address(pick(ADDRESSES)) }, expected: [401, 429],
    checks: { 'failed login is 401 invalid_credentials, or 429 with retry_after': (a) => (a.status === 401 && a.body?.code === 'invalid_credentials') || refusedBusy(a) } };
}

/** A harmless request to an endpoint that may not be built yet ({} → 422 when it exists), or null. */
export function probe(action: Action, fx: Fixture): Req | null {
  const h = fx.households[0];
  const kid = fx.viewers[0]?.profileId;
  const req = (method: 'GET' | 'POST', path: string, token: string, body?: unknown): Req => ({ method, path, token, body, endpoint: 'probe', checks: {} });
  switch (action) {
    case 'pin_verify': return req('POST', '/parental-controls/pin/verify', h.token, {});
    case 'weekly_report': return req('GET', '/parental-controls/weekly-report', (fx.reportHouseholds[0] ?? h).token);
    case 'history': {
      const p = fx.historyProfiles[0] ?? { profileId: kid, token: h.token };
      return req('GET', `/parental-controls/profiles/${p.profileId}/history`, p.token);
    }
    case 'grant': case 'live_grant': return req('POST', `/parental-controls/profiles/${kid}/viewing-time/grant`, h.token, {});
    case 'time_request': return req('POST', '/viewing-time/requests', h.token, {});
    default: return null;
  }
}

export const isMissing = (a: Answer): boolean => a.status === 404 && a.body?.code === 'route_not_found';

// ---- viewer model: day-in-the-life

export interface ViewerState { sessionId: string | null; seq: number; beatsLeft: number }
export const newViewer = (): ViewerState => ({ sessionId: null, seq: 0, beatsLeft: 0 });

/**
 * One step of a viewer's day, every cadence: (eligibility check, then at once the start), then
 * 10–40 beats (a few paused), then the end. A start is a heartbeat too, so heartbeats per viewer
 * per minute stay within (L+1)/(L+2) of the cadence. Send the returned request; give its answer
 * to dayAnswered, which returns the follow-up of the same step (or null).
 */
export function dayStep(fx: Fixture, i: number, s: ViewerState, rnd: () => number, pausedShare: number): Req {
  if (!s.sessionId) return eligibility(fx, i);
  if (s.beatsLeft > 0) return beat(fx, i, ++s.seq, s.sessionId, rnd() < pausedShare);
  return end(fx, i, s.sessionId);
}

export function dayAnswered(beatsPerSession: [number, number], fx: Fixture, i: number, s: ViewerState, req: Req, a: Answer, rnd: () => number): Req | null {
  switch (req.endpoint) {
    case 'playback_eligible': {
      if (a.status !== 200 || a.body?.eligible !== true) return null;
      const [min, max] = beatsPerSession;
      s.beatsLeft = min + Math.floor(rnd() * (max - min + 1));
      return beat(fx, i, ++s.seq, null, false);
    }
    case 'session_start':
      s.sessionId = a.status === 200 && typeof a.body?.session_id === 'string' ? a.body.session_id : null;
      return null;
    case 'heartbeat':
      s.beatsLeft--;
      s.sessionId = sessionAfter(s.sessionId!, a);
      return null;
    default: // session_end
      s.sessionId = null;
      return null;
  }
}

/**
 * How k6 plays day-in-the-life (VUs share no memory, so each keeps its own viewers' state):
 * `vus` constant VUs, VU slot k (its one iteration's number) owns the viewers v ≡ k (mod vus) and
 * steps them in turn, one every cadence / owned, staggered by slot: every viewer keeps the cadence.
 */
export function daySchedule(p: Plan, stream: Stream, n: number) {
  // n: the viewers there are (the plan's, or fewer when the fixture has fewer)
  const vus = Math.max(1, Math.min(n, stream.maxVUs));
  const owned = (slot: number) => { const out: number[] = []; for (let v = slot; v < n; v += vus) out.push(v); return out; };
  const intervalMs = (slot: number) => p.cadenceMs / Math.max(1, owned(slot).length);
  return { vus, owned, intervalMs, dueMs: (slot: number, k: number) => (k + slot / vus) * intervalMs(slot) };
}

// ---- setup() and the summary

/** Session starts of setup(): the ids by viewer, and a report of those that failed (never skipped silently). */
export function startReport(answers: Answer[]): { sessions: (string | null)[]; failed: number; message: string | null } {
  const sessions = answers.map((a) => (a.status === 200 && typeof a.body?.session_id === 'string' ? a.body.session_id as string : null));
  const failedAt = sessions.map((s, i) => (s === null ? i : -1)).filter((i) => i >= 0);
  if (!failedAt.length) return { sessions, failed: 0, message: null };
  const first = answers[failedAt[0]];
  return { sessions, failed: failedAt.length, message: `${failedAt.length} of ${answers.length} session starts failed in setup() (first: viewer ${failedAt[0]}, status ${first.status}${first.body?.code ? ` ${first.body.code}` : ''}); their viewers do not beat, and the ${START_FAILURES} threshold fails the run` };
}

export interface SummaryData {
  metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  setup_data?: { skip?: string | null };
}

const selector = (metric: string, tags: TagSet) => `${metric}{${Object.keys(tags).map((k) => `${k}:${tags[k]}`).join(',')}}`;

/** The `compare` rules k6 thresholds cannot express (pin-storm: heartbeat p95 storm − calm ≤ 10 ms), as lines. */
export function compareLines(p: Plan, data: SummaryData): string[] {
  return p.scenario.compare.map((c) => {
    const base = data.metrics[selector(c.metric, { ...c.tags, ...c.base })]?.values[c.stat];
    const test = data.metrics[selector(c.metric, { ...c.tags, ...c.test })]?.values[c.stat];
    if (base === undefined || test === undefined) return `  ? ${c.metric} ${c.stat}: no data (the thresholds must name both sub-metrics)`;
    const increase = test - base;
    return `  ${increase <= c.maxIncrease ? '✓' : '✗'} ${c.metric} ${c.stat} ${JSON.stringify(c.test)} − ${JSON.stringify(c.base)} = ${increase.toFixed(2)} ms (at most ${c.maxIncrease})`;
  });
}

/** handleSummary's outputs: the end-of-test summary (lib/summary.ts), the comparisons, and the JSON file. */
export function summaryOutputs(p: Plan, data: SummaryData, textSummary: (d: SummaryData) => string): Record<string, string> {
  const skip = data.setup_data?.skip;
  const extra = [...(skip ? [`scenario ${p.name} — ${skip}`] : []), ...(p.scenario.compare.length ? ['comparisons (reported here; the npm runner also fails on them):', ...compareLines(p, data)] : [])];
  return { stdout: `${textSummary(data)}\n${extra.length ? `${extra.join('\n')}\n` : ''}`, [`load-tests/results/k6-${p.name}-summary.json`]: JSON.stringify(data, null, 2) };
}
