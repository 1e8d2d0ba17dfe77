// Steps the heartbeat rate up until p99 reaches the limit (or errors, drops, or the generator
// falling behind), and reports the highest rate held: the same procedure for service and baseline.
import type { RunResult } from './engine.ts';
import { formatCpu } from './cpu.ts';
import { parseDuration, type ScenarioFile } from './scenarios.ts';
import type { Side } from './ratio.ts';

export interface Settings {
  from: number;
  step: number;
  max: number;
  stepDurationMs: number;
  p99LimitMs: number;
}

export interface Step extends Side {
  rate: number;
  held: boolean;
  why: string;
  cpu: RunResult['cpu'];
}

export function settings(f: ScenarioFile, o: { from?: number; step?: number; max?: number; stepDuration?: string; p99LimitMs?: number }): Settings {
  const s = f.saturation;
  return {
    from: o.from ?? s.from, step: o.step ?? s.step, max: o.max ?? s.max,
    stepDurationMs: parseDuration(o.stepDuration ?? s.stepDuration), p99LimitMs: o.p99LimitMs ?? s.p99LimitMs,
  };
}

/** Why a step was not held, or '' when it was. */
function verdict(rate: number, s: Side, late: number, issued: number, limit: number): string {
  if (s.failed) return `${s.failed} failed`;
  if (s.dropped) return `${s.dropped} dropped (every VU busy)`;
  if (s.p99 >= limit) return `p99 ${s.p99.toFixed(1)} ms >= ${limit}`;
  if (s.achieved < rate * 0.97) return `achieved ${s.achieved.toFixed(0)}/s < 97 % of target`;
  if (late > issued * 0.05) return `generator behind: ${late} of ${issued} arrivals late`;
  return '';
}

/**
 * runStep runs one rate for the step duration and returns its figures (fresh metrics each time).
 * A step that is not held is run once more before the search ends: on a shared machine one
 * noisy step should not decide the result.
 */
export async function saturate(label: string, cfg: Settings, runStep: (rate: number) => Promise<{ side: Side; run: RunResult }>, log: (m: string) => void): Promise<{ steps: Step[]; held: number | null }> {
  const steps: Step[] = [];
  for (let rate = cfg.from; rate <= cfg.max; rate += cfg.step) {
    let step: Step | null = null;
    for (let attempt = 1; attempt <= 2 && !step?.held; attempt++) {
      const { side, run } = await runStep(rate);
      const late = run.streams.reduce((a, x) => a + x.late, 0);
      const issued = run.streams.reduce((a, x) => a + x.issued, 0);
      const why = verdict(rate, side, late, issued, cfg.p99LimitMs);
      step = { ...side, rate, held: !why, why, cpu: run.cpu };
      steps.push(step);
      log(`${label} ${String(rate).padStart(5)}/s: achieved ${side.achieved.toFixed(0)}/s  p50 ${side.p50.toFixed(1)}  p95 ${side.p95.toFixed(1)}  p99 ${side.p99.toFixed(1)} ms  ${why ? `NOT held: ${why}${attempt === 1 ? ' (running it again)' : ''}` : 'held'}  | ${formatCpu(run.cpu)}`);
    }
    if (!step?.held) break;
  }
  const held = steps.filter((s) => s.held).at(-1)?.rate ?? null;
  return { steps, held };
}
