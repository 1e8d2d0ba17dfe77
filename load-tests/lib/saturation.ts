// Finds the highest heartbeat rate held (p99 under the limit, nothing failed or dropped, the
// generator on time) by bisection: the same procedure for the service and the baseline. After a
// warm-up step at half the first rate (not counted: a cold service or pool would fail the first
// step for being cold), the rate doubles from `from` until a step is not held, then the bracket is
// halved until the highest held and the lowest not-held rate are `resolution` apart. A step that
// cannot be held any more stops at once (the first failure or drop, or more answers over the limit
// than 1 % of its arrivals), so the steps past the cliff cost seconds, not a whole step each.
import { performance } from 'node:perf_hooks';
import type { RunOptions, StreamStats } from './arrival.ts';
import type { RunResult } from './engine.ts';
import { formatCpu } from './cpu.ts';
import { Metrics } from './metrics.ts';
import { parseDuration, type ScenarioFile } from './scenarios.ts';
import type { Side } from './ratio.ts';

export interface Settings {
  /** First rate tried; doubled until a step is not held. */
  from: number;
  /** The search ends when held and not held are this close; rates tried are multiples of it. */
  resolution: number;
  max: number;
  stepDurationMs: number;
  p99LimitMs: number;
}

export interface Step extends Side {
  rate: number;
  held: boolean;
  why: string;
  cpu: RunResult['cpu'];
  /** Wall time of the step, session starts included. */
  ms: number;
}

export function settings(f: ScenarioFile, o: { from?: number; resolution?: number; max?: number; stepDuration?: string; p99LimitMs?: number }): Settings {
  const s = f.saturation;
  return {
    from: o.from ?? s.from, resolution: o.resolution ?? s.resolution, max: o.max ?? s.max,
    stepDurationMs: parseDuration(o.stepDuration ?? s.stepDuration), p99LimitMs: o.p99LimitMs ?? s.p99LimitMs,
  };
}

/**
 * The search alone: `held(rate)` runs a step and says whether it held. Returns the highest rate
 * held (null: not even the lowest). Pure, so its convergence is unit-tested with a fake step.
 */
export async function bisect(cfg: Pick<Settings, 'from' | 'resolution' | 'max'>, held: (rate: number) => Promise<boolean>): Promise<number | null> {
  const round = (r: number) => Math.max(cfg.resolution, Math.round(r / cfg.resolution) * cfg.resolution);
  let lo = 0;
  let hi = 0;
  for (let rate = round(Math.min(cfg.from, cfg.max)); ; rate = round(Math.min(rate * 2, cfg.max))) {
    if (!(await held(rate))) { hi = rate; break; }
    lo = rate;
    if (rate >= cfg.max) return lo;
  }
  while (hi - lo > cfg.resolution) {
    const mid = round((lo + hi) / 2);
    if (await held(mid)) lo = mid;
    else hi = mid;
  }
  return lo || null;
}

/** Ends a step as soon as its verdict cannot be "held" any more. */
export function stopRule(rate: number, cfg: Settings, m: Metrics): NonNullable<RunOptions['stopWhen']> {
  const arrivals = (rate * cfg.stepDurationMs) / 1000;
  m.slowMs = cfg.p99LimitMs;
  return (stats: StreamStats[]) => {
    if (m.failures) return `${m.failures} failed`;
    const dropped = stats.reduce((a, s) => a + s.dropped, 0);
    if (dropped) return `${dropped} dropped (every VU busy)`;
    // more than 1 % of all the step's arrivals at or over the limit: its p99 is too, whatever comes
    if (m.slow > arrivals * 0.01) return `${m.slow} answers >= ${cfg.p99LimitMs} ms (over 1 % of the step's ${Math.round(arrivals)})`;
    return null;
  };
}

/** Why a step was not held, or '' when it was. */
function verdict(rate: number, s: Side, run: RunResult, limit: number): string {
  const stopped = run.streams.find((x) => x.stopped)?.stopped;
  if (stopped) return `stopped after ${(stopped.atMs / 1000).toFixed(1)} s: ${stopped.why}`;
  const late = run.streams.reduce((a, x) => a + x.late, 0);
  const issued = run.streams.reduce((a, x) => a + x.issued, 0);
  if (s.failed) return `${s.failed} failed`;
  if (s.dropped) return `${s.dropped} dropped (every VU busy)`;
  if (s.p99 >= limit) return `p99 ${s.p99.toFixed(1)} ms >= ${limit}`;
  if (s.achieved < rate * 0.97) return `achieved ${s.achieved.toFixed(0)}/s < 97 % of target`;
  if (late > issued * 0.05) return `generator behind: ${late} of ${issued} arrivals late`;
  return '';
}

export type RunStep = (rate: number, watch: { metrics: Metrics; stopWhen: NonNullable<RunOptions['stopWhen']> }) => Promise<{ side: Side; run: RunResult }>;

/**
 * Runs the search with `runStep` (one rate for the step duration, into the metrics it is given).
 * A step that is not held is run once more before it counts: on a shared machine one noisy step
 * should not decide the result.
 */
export async function saturate(label: string, cfg: Settings, runStep: RunStep, log: (m: string) => void): Promise<{ steps: Step[]; held: number | null; ms: number }> {
  const steps: Step[] = [];
  const t0 = performance.now();
  const warm = Math.max(cfg.resolution, Math.round(cfg.from / 2 / cfg.resolution) * cfg.resolution);
  const w = new Metrics();
  const { side } = await runStep(warm, { metrics: w, stopWhen: () => null });
  log(`${label} ${String(warm).padStart(5)}/s: warm-up, not counted (p99 ${side.p99.toFixed(1)} ms)  [${((performance.now() - t0) / 1000).toFixed(0)} s]`);
  const attempt = async (rate: number, n: number): Promise<Step> => {
    const t = performance.now();
    const metrics = new Metrics();
    const { side, run } = await runStep(rate, { metrics, stopWhen: stopRule(rate, cfg, metrics) });
    const why = verdict(rate, side, run, cfg.p99LimitMs);
    const step: Step = { ...side, rate, held: !why, why, cpu: run.cpu, ms: performance.now() - t };
    steps.push(step);
    log(`${label} ${String(rate).padStart(5)}/s: achieved ${side.achieved.toFixed(0)}/s  p50 ${side.p50.toFixed(1)}  p95 ${side.p95.toFixed(1)}  p99 ${side.p99.toFixed(1)} ms  ` +
      `${why ? `NOT held: ${why}${n === 1 ? ' (running it again)' : ''}` : 'held'}  [${(step.ms / 1000).toFixed(0)} s]  | ${formatCpu(run.cpu)}`);
    return step;
  };
  const held = await bisect(cfg, async (rate) => (await attempt(rate, 1)).held || (await attempt(rate, 2)).held);
  return { steps, held, ms: performance.now() - t0 };
}
