// Turns a scenario of load-tests/scenarios.json into k6 options, with the same overrides as the
// npm runner (RATE, RATES, DURATION, PROFILE=smoke as -e variables). Pure: no k6 modules here.
import type { Options, Scenario } from 'k6/options';

export interface StreamDef { action: string; rate: number; from?: number; until?: number; preAllocatedVUs?: number; maxVUs?: number; optional?: boolean }
export interface CompareDef { metric: string; stat: string; tags: Record<string, string>; base: Record<string, string>; test: Record<string, string>; maxIncrease: number }
export interface ScenarioDef {
  description: string;
  duration: string;
  driver: string;
  requires?: string[];
  phases?: { name: string; until: number }[];
  streams: Record<string, StreamDef>;
  thresholds: Record<string, string[]>;
  compare?: CompareDef[];
  smoke?: { duration: string; rates: Record<string, number>; thresholds: Record<string, string[]> };
  day?: { beatsPerSession: [number, number] };
}
export interface Definition {
  viewers: { cadenceSeconds: number; speed: number; pausedShare: number; pin: string };
  generator: { timeout: string; preAllocatedVUs: number; maxVUs: number };
  scenarios: Record<string, ScenarioDef>;
}
export type Stream = Required<Omit<StreamDef, 'optional'>> & { name: string; optional: boolean };
export interface Plan {
  name: string;
  def: ScenarioDef;
  durationS: number;
  streams: Stream[];
  thresholds: Record<string, string[]>;
  phases: { name: string; until: number }[];
  viewers: { cadenceSeconds: number; speed: number; pausedShare: number; pin: string };
  timeout: string;
}

/** "60s", "2m", "1m30s" → seconds. */
export function seconds(s: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  if (!total) throw new Error(`not a duration: ${s}`);
  return total;
}

function parseRates(s: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of (s ?? '').split(',').filter(Boolean)) out[pair.split('=')[0]] = Number(pair.split('=')[1]);
  return out;
}

export function resolve(all: Definition, name: string, env: Record<string, string | undefined>): Plan {
  const def = all.scenarios[name];
  if (!def) throw new Error(`scenarios.json has no scenario ${name}`);
  const smoke = env.PROFILE === 'smoke' ? def.smoke : undefined;
  const rates: Record<string, number> = { ...smoke?.rates, ...parseRates(env.RATES), ...(env.RATE ? { [def.driver]: Number(env.RATE) } : {}) };
  const streams = Object.entries(def.streams).map(([n, s]) => ({
    name: n, action: s.action, rate: rates[n] ?? s.rate, from: s.from ?? 0, until: s.until ?? 1, optional: s.optional ?? false,
    preAllocatedVUs: s.preAllocatedVUs ?? all.generator.preAllocatedVUs, maxVUs: s.maxVUs ?? all.generator.maxVUs,
  }));
  return {
    name, def, streams, durationS: seconds(env.DURATION ?? smoke?.duration ?? def.duration), thresholds: smoke?.thresholds ?? def.thresholds,
    phases: def.phases ?? [{ name: 'main', until: 1 }], viewers: all.viewers, timeout: all.generator.timeout,
  };
}

/** One constant-arrival-rate k6 scenario per stream; the thresholds verbatim from the shared file. */
export function k6Options(p: Plan): Options {
  const scenarios: Record<string, Scenario> = {};
  for (const s of p.streams) {
    const slow = s.rate < 1; // k6 wants whole iterations per time unit
    scenarios[s.name] = {
      executor: 'constant-arrival-rate', exec: s.name, rate: slow ? 1 : Math.round(s.rate), timeUnit: slow ? `${Math.round(1 / s.rate)}s` : '1s',
      startTime: `${Math.round(s.from * p.durationS)}s`, duration: `${Math.round((s.until - s.from) * p.durationS)}s`,
      preAllocatedVUs: s.preAllocatedVUs, maxVUs: s.maxVUs, tags: { stream: s.name }, gracefulStop: '10s',
    };
  }
  return {
    scenarios, thresholds: p.thresholds, setupTimeout: '300s',
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  };
}

/** The phase in force: stream start (a fraction) plus the time since its k6 scenario began. */
export function phaseAt(p: Plan, fraction: number): string {
  return (p.phases.find((ph) => fraction < ph.until) ?? p.phases[p.phases.length - 1]).name;
}

export const viewersFor = (p: Plan, rate: number): number => Math.max(1, Math.ceil((rate * p.viewers.cadenceSeconds) / p.viewers.speed));
