// Beats sent in statements of the sizes the service's own run recorded (its cluster metric:
// statements by heartbeats carried), on one connection per group-commit lane: what the floor and
// the batched round-2 baseline send. Statements arrive at the beat rate ÷ the mean size (open
// model); each carries the next viewers in turn, so concurrent statements never share a row.
import { performance } from 'node:perf_hooks';
import type { Roots } from './cpu.ts';
import { measure, type RunResult } from './engine.ts';
import type { Metrics } from './metrics.ts';

export interface BatchPlan {
  /** Statement sizes in the order they are sent (cycled), in the proportions the service recorded. */
  sizes: number[];
  /** Connections: one per group-commit lane, and the service has one lane per process. */
  lanes: number;
}

/** A small seeded generator (mulberry32): every run sends the sizes in the same order. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** bySize[k] statements carried k beats: every one of them once, shuffled (sizes in a row are not the run's order). */
export function batchPlan(bySize: number[], lanes: number, seed = 1): BatchPlan {
  const sizes: number[] = [];
  bySize.forEach((n, k) => { if (k > 0) for (let i = 0; i < n; i++) sizes.push(k); });
  if (!sizes.length) throw new Error('the service recorded no heartbeat statements, so there are no batch sizes to send');
  const next = random(seed);
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
  }
  return { sizes, lanes };
}

export const meanSize = (p: BatchPlan): number => p.sizes.reduce((a, b) => a + b, 0) / p.sizes.length;

export interface BatchRun {
  name: string;
  metrics: Metrics;
  /** Beats per second. */
  rate: number;
  durationMs: number;
  viewers: number;
  /** Beats in flight at most (the service's maxVUs), as statements: ÷ the mean size. */
  maxInFlight: number;
  lateMs: number;
  roots: Roots;
  progress: (line: string) => void;
  stopWhen?: Parameters<typeof measure>[1]['stopWhen'];
  batches: BatchPlan;
  /** Sends one statement for these viewers (and records its checks); a throw fails its beats. */
  send: (viewers: number[]) => Promise<void>;
}

/**
 * Each beat of a statement is recorded with the statement's time (what its answer waited), so
 * percentiles are per beat as the service's are; db_ops is 1 ÷ the statement's beats. The
 * stream's issued and dropped count statements, its rate and achieved rate beats per second.
 */
export async function runBatches(o: BatchRun): Promise<Omit<RunResult, 'started'> & { beats: number; statements: number }> {
  const mean = meanSize(o.batches);
  let next = 0;
  let cursor = 0;
  let beats = 0;
  const fire = async () => {
    const k = Math.min(o.batches.sizes[next++ % o.batches.sizes.length], o.viewers);
    const viewers = Array.from({ length: k }, () => (cursor = (cursor + 1) % o.viewers));
    beats += k;
    const t = performance.now();
    let failed = false;
    try {
      await o.send(viewers);
    } catch {
      failed = true;
    }
    const ms = performance.now() - t;
    for (let i = 0; i < k; i++) o.metrics.request({ endpoint: 'heartbeat', phase: 'main' }, ms, failed, 1 / k);
  };
  const stream = { name: o.name, rate: o.rate / mean, startMs: 0, endMs: o.durationMs, maxInFlight: Math.max(o.batches.lanes, Math.ceil(o.maxInFlight / mean)), fire };
  const run = await measure([stream], o);
  const s = run.streams[0];
  const span = (Math.min(o.durationMs, s.stopped?.atMs ?? Infinity)) / 1000;
  return { ...run, streams: [{ ...s, rate: o.rate, achieved: beats / Math.max(span, 0.001) }], beats, statements: s.issued };
}
