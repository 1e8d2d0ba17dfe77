// Reads load-tests/scenarios.json (shared with the k6 scripts) and resolves one scenario into a run plan.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const ACTIONS = ['heartbeat', 'day', 'balance', 'pin_verify', 'weekly_report', 'history', 'grant'] as const;
export type Action = (typeof ACTIONS)[number];

const thresholds = z.record(z.string(), z.array(z.string()).min(1));
const stream = z.strictObject({
  action: z.enum(ACTIONS), rate: z.number().positive(), from: z.number().min(0).max(1).default(0), until: z.number().min(0).max(1).default(1),
  preAllocatedVUs: z.int().positive().optional(), maxVUs: z.int().positive().optional(), optional: z.boolean().default(false),
});
const tagSet = z.record(z.string(), z.string());
const scenario = z.strictObject({
  description: z.string(), duration: z.string(), driver: z.string(),
  requires: z.array(z.enum(ACTIONS)).default([]),
  phases: z.array(z.strictObject({ name: z.string(), until: z.number().gt(0).max(1) })).default([{ name: 'main', until: 1 }]),
  streams: z.record(z.string(), stream),
  seed: z.strictObject({ reportHouseholds: z.int(), kidsPerReportHousehold: z.int(), sessionsPerKidDay: z.int(), historyProfiles: z.int(), sessionsPerHistoryProfile: z.int() }).optional(),
  day: z.strictObject({ beatsPerSession: z.tuple([z.int().positive(), z.int().positive()]) }).optional(),
  thresholds,
  compare: z.array(z.strictObject({ metric: z.string(), stat: z.string(), tags: tagSet, base: tagSet, test: tagSet, maxIncrease: z.number() })).default([]),
  smoke: z.strictObject({ duration: z.string(), rates: z.record(z.string(), z.number().positive()), thresholds }).optional(),
});
const file = z.object({
  viewers: z.strictObject({
    cadenceSeconds: z.number().positive(), speed: z.number().positive(), kidsPerHousehold: z.int().positive(), timezones: z.array(z.string()).min(1),
    titles: z.int().positive(), educationalEvery: z.int().positive(), pausedShare: z.number().min(0).max(1), pin: z.string().regex(/^\d{4}$/), tokenTtlSeconds: z.int().positive(),
  }),
  generator: z.strictObject({ timeout: z.string(), lateMs: z.number().positive(), preAllocatedVUs: z.int().positive(), maxVUs: z.int().positive() }),
  saturation: z.strictObject({ from: z.number().positive(), step: z.number().positive(), stepDuration: z.string(), max: z.number().positive(), p99LimitMs: z.number().positive() }),
  scenarios: z.record(z.string(), scenario),
});

export type ScenarioFile = z.infer<typeof file>;
export type Scenario = z.infer<typeof scenario>;
export type Stream = z.infer<typeof stream> & { name: string; maxVUs: number; preAllocatedVUs: number };
export type Compare = Scenario['compare'][number];

export const SCENARIOS_PATH = new URL('../scenarios.json', import.meta.url);

export function loadScenarioFile(path: URL | string = SCENARIOS_PATH): ScenarioFile {
  const parsed = file.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`scenarios.json is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** "60s", "2m", "1m30s", "500ms" → milliseconds. */
export function parseDuration(s: string): number {
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== s.trim()) throw new Error(`not a duration: "${s}" (use e.g. 30s, 2m, 1m30s)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

export interface Plan {
  name: string;
  scenario: Scenario;
  durationMs: number;
  streams: Stream[];
  thresholds: Record<string, string[]>;
  viewers: number;
}

/** Applies the profile (smoke) and command-line overrides; the driver stream's rate decides the viewer count. */
export function resolvePlan(f: ScenarioFile, name: string, o: { profile?: string; rate?: number; rates?: Record<string, number>; duration?: string; viewers?: number; speed?: number }): Plan {
  const s = f.scenarios[name];
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(f.scenarios).join(', ')}`);
  if (!s.streams[s.driver]) throw new Error(`scenario ${name}: driver stream "${s.driver}" is not defined`);
  const smoke = o.profile === 'smoke' ? s.smoke : undefined;
  if (o.profile && o.profile !== 'smoke') throw new Error(`unknown profile "${o.profile}" (only: smoke)`);
  if (o.profile === 'smoke' && !smoke) throw new Error(`scenario ${name} has no smoke profile`);
  const rates = { ...smoke?.rates, ...o.rates, ...(o.rate ? { [s.driver]: o.rate } : {}) };
  const streams = Object.entries(s.streams).map(([n, st]) => ({
    ...st, name: n, rate: rates[n] ?? st.rate,
    preAllocatedVUs: st.preAllocatedVUs ?? f.generator.preAllocatedVUs, maxVUs: st.maxVUs ?? f.generator.maxVUs,
  }));
  const driver = streams.find((st) => st.name === s.driver)!;
  const speed = o.speed ?? f.viewers.speed;
  return {
    name, scenario: s, streams,
    durationMs: parseDuration(o.duration ?? smoke?.duration ?? s.duration),
    thresholds: smoke?.thresholds ?? s.thresholds,
    viewers: o.viewers ?? viewersFor(driver.rate, f.viewers.cadenceSeconds, speed),
  };
}

export const viewersFor = (rate: number, cadenceSeconds: number, speed: number): number => Math.max(1, Math.ceil((rate * cadenceSeconds) / speed));

/** The phase in force at a fraction of the run (phases are ordered by `until`). */
export function phaseAt(phases: Scenario['phases'], fraction: number): string {
  return (phases.find((p) => fraction < p.until) ?? phases[phases.length - 1]).name;
}
