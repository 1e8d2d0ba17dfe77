// Open-model constant-arrival-rate scheduler (k6's constant-arrival-rate): arrivals are due at
// fixed instants whatever the answers do; an arrival with every "VU" busy is dropped and counted.
import { performance } from 'node:perf_hooks';
import type { Metrics } from './metrics.ts';

export interface ArrivalStream {
  name: string;
  rate: number;
  /** Offsets from the run's start, ms. */
  startMs: number;
  endMs: number;
  maxInFlight: number;
  fire: () => Promise<void>;
}

export interface StreamStats {
  name: string;
  target: number;
  issued: number;
  dropped: number;
  /** Issued more than lateMs after their due instant (the generator fell behind). */
  late: number;
  maxLagMs: number;
  inFlight: number;
  peakInFlight: number;
  /** Why the run stopped issuing before its end (RunOptions.stopWhen), and when (ms from the start). */
  stopped?: { why: string; atMs: number };
}

export interface RunOptions {
  metrics: Metrics;
  lateMs: number;
  onSecond?: (elapsedS: number, stats: StreamStats[]) => void;
  /**
   * Checked every 100 ms: a reason ends the run early (no new arrivals; those in flight are
   * awaited). A saturation step stops once its verdict can no longer be "held".
   */
  stopWhen?: (stats: StreamStats[]) => string | null;
}

/**
 * Runs the streams until each has issued all its arrivals (rate × its duration) and every
 * request has answered: bounded in count, and in time by the client's timeout.
 */
export function runArrivals(streams: ArrivalStream[], o: RunOptions): Promise<StreamStats[]> {
  const t0 = performance.now();
  const stats: StreamStats[] = streams.map((s) => ({ name: s.name, target: Math.floor(((s.endMs - s.startMs) / 1000) * s.rate), issued: 0, dropped: 0, late: 0, maxLagMs: 0, inFlight: 0, peakInFlight: 0 }));
  let nextSecond = 1;
  let nextCheck = 100;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      if (o.stopWhen && now >= nextCheck && !stats[0]?.stopped) {
        nextCheck = now + 100;
        const why = o.stopWhen(stats);
        if (why) for (const st of stats) { st.target = st.issued + st.dropped; st.stopped = { why, atMs: now }; }
      }
      streams.forEach((s, i) => issueDue(s, stats[i], now, o));
      if (o.onSecond && now >= nextSecond * 1000) o.onSecond(nextSecond++, stats);
      const finished = stats.every((st) => st.issued + st.dropped >= st.target && st.inFlight === 0);
      if (finished) resolve(stats);
      else setTimeout(tick, 1);
    };
    tick();
  });
}

function issueDue(s: ArrivalStream, st: StreamStats, now: number, o: RunOptions): void {
  if (now < s.startMs) return;
  const due = Math.min(st.target, Math.floor(((Math.min(now, s.endMs) - s.startMs) / 1000) * s.rate) + 1);
  while (st.issued + st.dropped < due) {
    const n = st.issued + st.dropped;
    const lag = now - (s.startMs + (n * 1000) / s.rate);
    st.maxLagMs = Math.max(st.maxLagMs, lag);
    if (lag > o.lateMs) st.late++;
    if (st.inFlight >= s.maxInFlight) {
      st.dropped++;
      o.metrics.drop(s.name);
      continue;
    }
    st.issued++;
    st.inFlight++;
    st.peakInFlight = Math.max(st.peakInFlight, st.inFlight);
    s.fire().catch(() => {}).finally(() => { st.inFlight--; });
  }
}

/** Closed loop for preparation (session starts): n calls, at most `concurrency` at a time, as fast as they are answered. */
export async function closedLoop(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await fn(next++).catch(() => {});
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, lane));
}
