// The load-test plan shared by the k6 scripts and the npm runner (load-tests/lib/plan.ts), checked
// without k6: each k6 finding that a real k6 run turned up has its test here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as plan from '../../load-tests/lib/plan.ts';
import { loadScenarioFile } from '../../load-tests/lib/scenarios.ts';
import { textSummary } from '../../load-tests/lib/summary.ts';

const f = loadScenarioFile();
const names = Object.keys(f.scenarios);
/** Every scenario but the npm-runner-only ones (live-events: k6 has no text/event-stream client). */
const k6Names = names.filter((n) => f.scenarios[n].k6 !== false);
const fixture = (n: number): plan.Fixture => ({
  pin: '4821',
  viewers: Array.from({ length: n }, (_, i) => ({ profileId: `p${i}`, household: 0, titleId: 't', deviceId: `d${i}`, deviceType: 'tv' })),
  households: [{ userId: 'u', token: 'tok', kids: [] }], reportHouseholds: [{ userId: 'r', token: 'rtok', kids: ['a', 'b'] }], historyProfiles: [{ profileId: 'h', token: 'htok' }],
});

/** A service that always says yes: eligible, sessions start, beats keep their session. */
function answer(req: plan.Req): plan.Answer {
  switch (req.endpoint) {
    case 'playback_eligible': return { status: 200, body: { eligible: true } };
    case 'session_start': return { status: 200, body: { session_id: `s-${(req.body as { profile_id: string }).profile_id}-${(req.body as { seq: number }).seq}` } };
    case 'heartbeat': return { status: 200, body: { session_id: (req.body as { session_id: string }).session_id, reason: null } };
    default: return { status: 200, body: { ended_at: 'now' } };
  }
}

/** Heartbeats (starts included) each viewer sends when its steps come at the given instants. */
function play(p: plan.Plan, fx: plan.Fixture, steps: { at: number; viewer: number }[]): Map<number, number> {
  const states = fx.viewers.map(() => plan.newViewer());
  const beats = new Map<number, number>();
  for (const { viewer } of steps.sort((a, b) => a.at - b.at)) {
    let req: plan.Req | null = plan.dayStep(fx, viewer, states[viewer], Math.random, p.pausedShare);
    while (req) {
      if (req.path === '/viewing-time/heartbeat') beats.set(viewer, (beats.get(viewer) ?? 0) + 1);
      req = plan.dayAnswered(p.scenario.day!.beatsPerSession, fx, viewer, states[viewer], req, answer(req), Math.random);
    }
  }
  return beats;
}

describe('every scenario', () => {
  it.each(names)('%s resolves a smoke profile, shorter and lighter than the full run, from --profile and from -e PROFILE', (name) => {
    const full = plan.resolvePlan(f, name);
    const smoke = plan.resolvePlan(f, name, plan.overridesFromEnv({ PROFILE: 'smoke' }));
    expect(smoke.durationMs).toBeLessThanOrEqual(20_000);
    expect(smoke.durationMs).toBeLessThan(full.durationMs);
    expect(smoke.thresholds).toBe(f.scenarios[name].smoke.thresholds);
    for (const s of smoke.streams) expect(s.rate).toBeLessThanOrEqual(full.streams.find((x) => x.name === s.name)!.rate);
    expect(smoke.viewers).toBeLessThan(full.viewers);
  });

  it.each(k6Names)('%s: its k6 script exports a function for every stream and k6 options for both profiles', (name) => {
    const script = readFileSync(path.resolve(import.meta.dirname, `../../load-tests/k6/${name}.ts`), 'utf8');
    for (const profile of [undefined, 'smoke']) {
      const p = plan.resolvePlan(f, name, { profile });
      const o = plan.k6Options(p);
      expect(Object.keys(o.scenarios).sort()).toEqual(p.streams.map((s) => s.name).sort());
      for (const s of p.streams) expect(script).toMatch(new RegExp(`export const ${s.name} = `));
      for (const t of Object.keys(p.thresholds)) expect(o.thresholds[t]).toEqual(p.thresholds[t]);
    }
  });

  it('keeps the one-round-trip budget of heartbeats in every profile that measures them (finding 1)', () => {
    for (const name of ['heartbeat', 'pin-storm', 'reports']) {
      for (const profile of [undefined, 'smoke']) expect(plan.resolvePlan(f, name, { profile }).thresholds['db_ops{endpoint:heartbeat}']).toContain('avg<=1.05');
    }
  });
});

describe('day-in-the-life keeps the viewer cadence (finding 2)', () => {
  for (const profile of [undefined, 'smoke']) {
    it(`k6 (constant VUs, each owning a slice of the viewers) and the npm runner, ${profile ?? 'full'} profile`, () => {
      const p = plan.resolvePlan(f, 'day-in-the-life', { profile });
      const stream = p.streams.find((s) => s.action === 'day')!;
      const fx = fixture(p.viewers);
      const perMinute = 60_000 / p.cadenceMs;
      const minutes = p.durationMs / 60_000;
      const k6Sched = plan.daySchedule(p, stream, p.viewers);
      expect(plan.k6Options(p).scenarios[stream.name]).toMatchObject({ executor: 'constant-vus', vus: k6Sched.vus });
      const k6Steps: { at: number; viewer: number }[] = [];
      for (let slot = 0; slot < k6Sched.vus; slot++) {
        const owned = k6Sched.owned(slot);
        for (let k = 0; k6Sched.dueMs(slot, k) < p.durationMs; k++) k6Steps.push({ at: k6Sched.dueMs(slot, k), viewer: owned[k % owned.length] });
      }
      const runnerSteps = Array.from({ length: Math.floor((stream.rate * p.durationMs) / 1000) }, (_, k) => ({ at: (k * 1000) / stream.rate, viewer: (k + 1) % p.viewers }));
      for (const steps of [k6Steps, runnerSteps]) {
        const beats = play(p, fx, steps);
        expect(beats.size).toBe(p.viewers); // every viewer plays
        const rates = [...beats.values()].map((b) => b / minutes);
        const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
        expect(Math.abs(mean - perMinute) / perMinute).toBeLessThan(0.1);
        expect(Math.min(...rates)).toBeGreaterThan(perMinute * 0.8);
        expect(Math.max(...rates)).toBeLessThan(perMinute * 1.1);
      }
    });
  }
});

describe('--seed-only prints the k6 command with what it seeded for (finding 4)', () => {
  it('passes PROFILE, RATE, RATES, DURATION (and VIEWERS, SPEED) as -e variables', () => {
    const p = plan.resolvePlan(f, 'pin-storm', { profile: 'smoke', rate: 80, rates: { pins: 3 }, duration: '30s', speed: 5 });
    const cmd = plan.k6Command(p, 'http://127.0.0.1:8000', 'results/fixture.json');
    expect(cmd).toBe('k6 run -e BASE_URL=http://127.0.0.1:8000 -e FIXTURE=results/fixture.json -e PROFILE=smoke -e RATE=80 -e RATES=pins=3 -e DURATION=30s -e SPEED=5 load-tests/k6/pin-storm.ts');
    // and k6 resolves the same plan from them
    const env = Object.fromEntries([...cmd.matchAll(/-e (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const again = plan.resolvePlan(f, 'pin-storm', plan.overridesFromEnv(env));
    expect([again.durationMs, again.viewers, again.streams.map((s) => s.rate)]).toEqual([p.durationMs, p.viewers, p.streams.map((s) => s.rate)]);
  });

  it('a plain run prints no -e it did not use', () => {
    expect(plan.k6Command(plan.resolvePlan(f, 'heartbeat', { rates: {} }), 'http://h:1', 'fx.json')).toBe('k6 run -e BASE_URL=http://h:1 -e FIXTURE=fx.json load-tests/k6/heartbeat.ts');
  });
});

describe("pin-storm's handleSummary (finding 5)", () => {
  it("keeps k6's own end-of-test summary, adds the comparison and writes the JSON", () => {
    const p = plan.resolvePlan(f, 'pin-storm');
    const data: plan.SummaryData = { metrics: {
      'http_req_duration{endpoint:heartbeat,phase:calm}': { values: { 'p(95)': 4 } },
      'http_req_duration{endpoint:heartbeat,phase:storm}': { values: { 'p(95)': 9.5 } },
    } };
    const out = plan.summaryOutputs(p, data, () => 'K6 TEXT SUMMARY');
    expect(out.stdout.startsWith('K6 TEXT SUMMARY\n')).toBe(true);
    expect(out.stdout).toContain('✓ http_req_duration p(95) {"phase":"storm"} − {"phase":"calm"} = 5.50 ms (at most 10)');
    expect(JSON.parse(out['load-tests/results/k6-pin-storm-summary.json'])).toEqual(data);
  });

  it('the project writes the text summary: thresholds marked, values listed', () => {
    const text = textSummary({ metrics: {
      http_req_duration: { values: { 'p(95)': 4.5, max: 12 }, thresholds: { 'p(95)<200': { ok: true } } },
      dropped_iterations: { values: { count: 3 }, thresholds: { 'count==0': { ok: false } } },
    } });
    expect(text.split('\n')).toEqual([
      '  ✗ dropped_iterations: count=3', '      ✗ count==0',
      '  ✓ http_req_duration: p(95)=4.50 max=12', '      ✓ p(95)<200',
    ]);
  });
});

describe('k6 scripts load nothing over the network (k6 may run air-gapped)', () => {
  it.each(readdirSync(path.resolve(import.meta.dirname, '../../load-tests/k6')).filter((f) => f.endsWith('.ts')))('%s imports no http(s) module', (file) => {
    const script = readFileSync(path.resolve(import.meta.dirname, '../../load-tests/k6', file), 'utf8');
    expect(script).not.toMatch(/(import|require)[^;\n]*['"]https?:\/\//);
  });
});

describe('a failed session start in setup() is reported (finding 6)', () => {
  it('counts and names the failures, and the k6 options fail the run on any', () => {
    const r = plan.startReport([{ status: 200, body: { session_id: 'a' } }, { status: 503, body: { code: 'database_unavailable' } }, { status: 0, body: null }]);
    expect(r.sessions).toEqual(['a', null, null]);
    expect(r.failed).toBe(2);
    expect(r.message).toMatch(/^2 of 3 session starts failed in setup\(\) \(first: viewer 1, status 503 database_unavailable\)/);
    expect(plan.startReport([{ status: 200, body: { session_id: 'a' } }]).message).toBeNull();
    for (const name of names) {
      const p = plan.resolvePlan(f, name);
      const beats = p.streams.some((s) => s.action === 'heartbeat');
      expect(plan.k6Options(p).thresholds[plan.START_FAILURES]).toEqual(beats ? ['count==0'] : undefined);
    }
  });
});

describe('plan resolution', () => {
  it('refuses an unknown scenario, profile or duration with a message', () => {
    expect(() => plan.resolvePlan(f, 'nope')).toThrow(/unknown scenario "nope"; known: heartbeat/);
    expect(() => plan.resolvePlan(f, 'heartbeat', { profile: 'soak' })).toThrow(/unknown profile "soak"/);
    expect(() => plan.parseDuration('10 s')).toThrow(/not a duration/);
    expect(plan.parseDuration('1m30s')).toBe(90_000);
  });

  it('steady beats: iteration i beats viewer i mod n with seq 2 + ⌊i / n⌋', () => {
    expect([plan.beatOf(0, 3), plan.beatOf(4, 3)]).toEqual([{ viewer: 0, seq: 2 }, { viewer: 1, seq: 3 }]);
  });
});

describe("pin-storm's storms (issue 11)", () => {
  it('a failed login comes from a client address of its own, for seeded accounts and unknown emails alike; 401 and 429 are answers', () => {
    const fx = { ...fixture(4), loginEmails: ['v-0000001@load.vtime.invalid', 'v-0000002@load.vtime.invalid'] };
    let n = 0;
    const pick = (k: number) => (n++ * 7919) % k;
    const reqs = Array.from({ length: 40 }, () => plan.arrival('failed_login', fx, pick));
    expect(new Set(reqs.map((r) => r.headers?.['x-forwarded-for'])).size).toBeGreaterThan(30);
    const emails = reqs.map((r) => (r.body as { email: string }).email);
    expect(emails.some((e) => fx.loginEmails.includes(e))).toBe(true);
    expect(emails.some((e) => e.startsWith('nobody-'))).toBe(true);
    expect(reqs[0]).toMatchObject({ method: 'POST', path: '/auth/login', token: '', endpoint: 'failed_login', expected: [401, 429] });
    const check = Object.values(reqs[0].checks)[0];
    expect(check({ status: 401, body: { code: 'invalid_credentials' } })).toBe(true);
    expect(check({ status: 429, body: { code: 'busy', retry_after: 1 } })).toBe(true);
    expect(check({ status: 200, body: {} })).toBe(false); // a wrong password accepted would be a finding
    expect(check({ status: 503, body: {} })).toBe(false);
  });

  it('a PIN verify refused as busy is an answer, not a failure; the run still needs 1 verify/s to succeed', () => {
    const v = plan.arrival('pin_verify', fixture(1), () => 0);
    expect(v.expected).toEqual([200, 429]);
    expect(Object.values(v.checks)[0]({ status: 429, body: { code: 'busy', retry_after: 2 } })).toBe(true);
    const p = plan.resolvePlan(f, 'pin-storm');
    expect(p.thresholds['http_reqs{endpoint:pin_verify,status:200}']).toEqual(['rate>=0.3']);
    expect(p.scenario.compare.map((c) => c.test.phase)).toEqual(['storm', 'login_storm']);
  });
});
