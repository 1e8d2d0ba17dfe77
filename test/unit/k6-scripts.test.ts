// The k6 scripts themselves, run in a stand-in for k6's runtime (its modules faked, open() and
// __ENV provided, time simulated): init context, options, setup() and every stream's iteration,
// against a service that always says yes. Real k6 is not installable here; this catches what
// type-checking cannot (a stream without its function, setup() data a stream cannot use, an
// iteration that throws), before k6 does.
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const requests: { method: string; url: string; tags: Record<string, string> }[] = [];
const checks = { pass: 0, fail: [] as string[] };
const metrics = new Map<string, number[]>();
let clock = 0;
const realNow = Date.now;
const exec = { scenario: { startTime: 0, iterationInTest: 0 }, vu: { idInTest: 1 } };

const n = 400;
const fixture = {
  pin: '4821',
  viewers: Array.from({ length: n }, (_, i) => ({ profileId: `p${i}`, household: i % 10, titleId: 't', deviceId: `d${i}`, deviceType: 'tv' })),
  households: Array.from({ length: 10 }, (_, i) => ({ userId: `u${i}`, token: `tok${i}`, kids: [] })),
  reportHouseholds: [{ userId: 'r', token: 'rtok', kids: ['a', 'b'] }],
  historyProfiles: [{ profileId: 'h', token: 'htok' }],
  loginEmails: ['v-0000001@load.vtime.invalid'],
};

function answer(method: string, url: string, body: string | null): { status: number; body: unknown } {
  const b = body ? JSON.parse(body) : {};
  if (url.endsWith('/health/ready')) return { status: 200, body: { status: 'ready' } };
  if (url.endsWith('/viewing-time/heartbeat')) return { status: 200, body: { session_id: b.session_id ?? `s-${b.profile_id}`, reason: null } };
  if (url.includes('/playback-eligible/')) return { status: 200, body: { eligible: true } };
  if (url.includes('/session/')) return { status: 200, body: { ended_at: 'now' } };
  if (url.includes('/balance/')) return { status: 200, body: { used_minutes: 1 } };
  if (url.endsWith('/pin/verify')) return { status: 200, body: { pin_token: 'pt' } };
  if (url.endsWith('/auth/login')) return { status: 401, body: { code: 'invalid_credentials' } };
  if (url.endsWith('/viewing-time/grant')) return { status: 200, body: { grant_id: 'g' } };
  if (url.endsWith('/weekly-report')) return { status: 200, body: { profiles: [{}, {}] } };
  if (url.includes('/history')) return { status: 200, body: { days: [{}] } };
  return { status: 404, body: { code: 'route_not_found' } };
}

function response(method: string, url: string, body: string | null, tags: Record<string, string> = {}) {
  requests.push({ method, url, tags });
  const a = answer(method, url, body);
  return { status: a.status, headers: { 'X-Db-Ops': '1' }, json: () => a.body };
}

jest.unstable_mockModule('k6', () => ({
  check: (v: unknown, sets: Record<string, (x: unknown) => boolean>) => {
    let ok = true;
    for (const [name, fn] of Object.entries(sets)) if (fn(v)) checks.pass++; else { checks.fail.push(name); ok = false; }
    return ok;
  },
  fail: (m: string) => { throw new Error(m); },
  sleep: (s: number) => { clock += s * 1000; },
}), { virtual: true });
jest.unstable_mockModule('k6/http', () => ({
  default: {
    request: (method: string, url: string, body: string | null, params: { tags: Record<string, string> }) => response(method, url, body, params.tags),
    get: (url: string, params: { tags: Record<string, string> }) => response('GET', url, null, params.tags),
    batch: (reqs: { method: string; url: string; body: string; params: { tags: Record<string, string> } }[]) => reqs.map((r) => response(r.method, r.url, r.body, r.params.tags)),
    expectedStatuses: () => ({}),
  },
}), { virtual: true });
jest.unstable_mockModule('k6/execution', () => ({ default: exec }), { virtual: true });
jest.unstable_mockModule('k6/data', () => ({ SharedArray: function SharedArray(_name: string, fn: () => unknown[]) { return fn(); } }), { virtual: true });
const metric = (name: string) => ({ add: (v: number) => metrics.set(name, [...(metrics.get(name) ?? []), v]) });
jest.unstable_mockModule('k6/metrics', () => ({ Trend: function Trend(name: string) { return metric(name); }, Counter: function Counter(name: string) { return metric(name); } }), { virtual: true });

beforeAll(() => {
  const g = globalThis as Record<string, unknown>;
  g.__ENV = { PROFILE: 'smoke', FIXTURE: 'fixture.json' };
  g.open = (p: string) => (p.endsWith('scenarios.json') ? readFileSync(path.join(ROOT, 'load-tests/scenarios.json'), 'utf8') : JSON.stringify(fixture));
  Date.now = () => realNow() + clock;
});
afterAll(() => { Date.now = realNow; });
beforeEach(() => { requests.length = 0; checks.pass = 0; checks.fail = []; metrics.clear(); });

type Script = Record<string, unknown> & { options: { scenarios: Record<string, { exec: string; executor: string }>; thresholds: Record<string, string[]> }; setup: () => { skip: string | null; dropped: string[]; sessions: (string | null)[] } };
const load = async (name: string) => (await import(`../../load-tests/k6/${name}.ts`)) as Script;

describe.each(['heartbeat', 'pin-storm', 'reports', 'day-in-the-life'])('k6 script %s (PROFILE=smoke)', (name) => {
  it('loads, passes setup() and runs an iteration of every stream with every check passing', async () => {
    const s = await load(name);
    const data = s.setup();
    expect(data.skip).toBeNull();
    for (const [stream, sc] of Object.entries(s.options.scenarios)) {
      expect(typeof s[sc.exec]).toBe('function');
      exec.scenario.startTime = Date.now();
      const before = requests.length;
      if (sc.executor === 'constant-vus') {
        exec.scenario.iterationInTest = 0; // VU slot 0 plays its viewers for the whole stream
        (s[sc.exec] as (d: unknown) => void)(data);
        expect(requests.length - before).toBeGreaterThan(3);
      } else {
        for (let i = 0; i < 5; i++) { exec.scenario.iterationInTest = i; (s[sc.exec] as (d: unknown) => void)(data); }
        expect(requests.length - before).toBe(5);
      }
      expect(requests.slice(before).every((r) => r.tags.endpoint && r.tags.phase)).toBe(true);
      expect(stream).toBe(sc.exec);
    }
    expect(checks.fail).toEqual([]);
    expect(checks.pass).toBeGreaterThan(0);
    if (data.sessions.length) expect(metrics.get('session_start_failures')).toEqual([0]);
    expect((metrics.get('db_ops') ?? []).length).toBeGreaterThan(0);
  });
});

it('pin-storm handleSummary keeps k6 summary and writes the JSON', async () => {
  const s = await load('pin-storm');
  const out = (s.handleSummary as (d: unknown) => Record<string, string>)({ metrics: { http_reqs: { values: { count: 3 }, thresholds: { 'count>0': { ok: true } } } } });
  expect(out.stdout.split('\n').slice(0, 2)).toEqual(['  ✓ http_reqs: count=3', '      ✓ count>0']); // the project's own summary: no jslib import
  expect(Object.keys(out)).toContain('load-tests/results/k6-pin-storm-summary.json');
});
