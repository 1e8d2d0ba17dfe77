// Runs one plan against the service: start the viewers' sessions, then every stream at its
// constant arrival rate, with a progress line each second and CPU use per process group
// (measure(), which the raw baseline and the floor use too).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as act from './actions.ts';
import { closedLoop, runArrivals, type ArrivalStream, type RunOptions, type StreamStats } from './arrival.ts';
import { cpuBetween, cpuSnapshot, knownRoots, type CpuGroups, type Roots } from './cpu.ts';
import { windowSummary, type Metrics } from './metrics.ts';
import { phaseAt, type Plan, type Stream } from './scenarios.ts';

export interface RunResult {
  durationMs: number;
  streams: (StreamStats & { rate: number; achieved: number })[];
  /** sessions started before the measured run */
  started: number;
  /** EngineOptions.sample, read when the measured run starts and when it ends */
  samples?: [unknown, unknown];
  cpu: CpuGroups;
  eventLoopP99Ms: number;
}

export interface EngineOptions {
  lateMs: number;
  /** the service's and PostgreSQL's process roots, for the CPU split */
  roots: Roots;
  /** Viewers the driver stream cycles through (all seeded ones by default). */
  viewers?: number;
  /** Read when the measured run starts and ends (e.g. the service's own counters). */
  sample?: () => Promise<unknown>;
  /** Ends the run early (see RunOptions.stopWhen). */
  stopWhen?: RunOptions['stopWhen'];
  /** Runs once the sessions were started, before the measured run. */
  afterStart?: () => Promise<void>;
  log: (line: string) => void;
}

/** Who each arrival of a stream acts for. */
function fireFor(w: act.World, st: Stream, plan: Plan, n: number, t0: () => number): () => Promise<void> {
  let cursor = 0;
  const tags = () => ({ stream: st.name, phase: phaseAt(plan.scenario.phases, (Date.now() - t0()) / plan.durationMs) });
  const next = () => (cursor = (cursor + 1) % n);
  switch (st.action) {
    case 'heartbeat': return () => act.heartbeat(w, next(), tags());
    case 'day': return () => act.dayStep(w, next(), tags());
    case 'time_request': return () => act.timeRequest(w, tags());
    default: return () => act.arrival(w, st.action, tags());
  }
}

/** Before the measured run every heartbeat viewer starts its session (closed loop, like k6's setup() batches). */
async function startSessions(w: act.World, plan: Plan, n: number, o: EngineOptions): Promise<number> {
  if (!plan.streams.some((s) => s.action === 'heartbeat')) return 0;
  const driver = plan.streams.find((s) => s.name === plan.scenario.driver)!;
  const todo = [...Array(n).keys()].filter((i) => !w.states[i].sessionId);
  if (!todo.length) return 0;
  const t0 = Date.now();
  await closedLoop(todo.length, driver.preAllocatedVUs, (k) => act.startSession(w, todo[k], { stream: 'start', phase: 'start' }));
  o.log(`started ${todo.length} sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s (${driver.preAllocatedVUs} at a time)`);
  const failed = todo.filter((i) => !w.states[i].sessionId).length; // reported, never skipped: they start again on their first arrival
  if (failed) o.log(`WARNING: ${failed} of ${todo.length} session starts failed before the run (counted in http_req_failed); those viewers start again on their first arrival`);
  return todo.length;
}

export async function runPlan(w: act.World, plan: Plan, o: EngineOptions): Promise<RunResult> {
  const n = Math.min(o.viewers ?? w.fx.viewers.length, w.fx.viewers.length);
  const sessionsStarted = await startSessions(w, plan, n, o);
  if (sessionsStarted) await o.afterStart?.();
  let started = Date.now();
  const streams: ArrivalStream[] = plan.streams.map((st) => ({
    name: st.name, rate: st.rate, startMs: st.from * plan.durationMs, endMs: st.until * plan.durationMs, maxInFlight: st.maxVUs,
    fire: fireFor(w, st, plan, n, () => started),
  }));
  const sample0 = await o.sample?.();
  const run = await measure(streams, {
    metrics: w.metrics, lateMs: o.lateMs, roots: o.roots, progress: o.log, stopWhen: o.stopWhen,
    onStart: () => { started = Date.now(); w.beside?.start(started, plan.durationMs); },
  });
  if (w.beside) w.besideResult = await w.beside.end();
  const samples = o.sample ? [sample0, await o.sample()] as [unknown, unknown] : undefined;
  return { ...run, durationMs: plan.durationMs, started: sessionsStarted, samples };
}

export interface MeasureOptions {
  metrics: Metrics;
  lateMs: number;
  roots: Roots;
  /** Gets a progress line each second. */
  progress: (line: string) => void;
  stopWhen?: RunOptions['stopWhen'];
  /** Called right before the first arrival is due. */
  onStart?: () => void;
}

/**
 * Runs arrival streams and measures them: a progress line each second, CPU by process group over
 * the run, the generator's event-loop delay, and each stream's achieved rate (over the time it
 * issued arrivals: a stopped run's is over the part it ran). The service's runs, the raw baseline
 * and the floor all go through here, so their figures are measured the same way.
 */
export async function measure(streams: ArrivalStream[], o: MeasureOptions): Promise<Omit<RunResult, 'started'>> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = cpuSnapshot();
  const pids = knownRoots(cpu0, o.roots);
  let last = cpuSnapshot(pids());
  o.metrics.mark();
  let failedBefore = 0;
  o.metrics.resetWindow(); // the first progress line shows the run, not what came before it
  o.onStart?.();
  const stats = await runArrivals(streams, {
    metrics: o.metrics, lateMs: o.lateMs, stopWhen: o.stopWhen,
    onSecond: (s, st) => {
      const now = cpuSnapshot(pids());
      o.progress(progressLine(s, st, o.metrics, cpuBetween(last, now, o.roots), o.metrics.failures - failedBefore));
      last = now;
      failedBefore = o.metrics.failures;
    },
  });
  const cpu = cpuBetween(cpu0, cpuSnapshot(), o.roots);
  loop.disable();
  const durationMs = Math.max(...streams.map((s) => s.endMs));
  return {
    durationMs, cpu, eventLoopP99Ms: loop.percentile(99) / 1e6,
    streams: stats.map((s, i) => {
      const span = (Math.min(streams[i].endMs, s.stopped?.atMs ?? Infinity) - streams[i].startMs) / 1000;
      return { ...s, rate: streams[i].rate, achieved: s.issued / Math.max(span, 0.001) };
    }),
  };
}

function progressLine(second: number, st: StreamStats[], m: Metrics, cpu: CpuGroups, errors: number): string {
  const win = windowSummary(m.resetWindow());
  const inFlight = st.reduce((a, s) => a + s.inFlight, 0);
  const dropped = st.reduce((a, s) => a + s.dropped, 0);
  const late = st.reduce((a, s) => a + s.late, 0);
  return `[${String(second).padStart(4)}s] ${String(win.count).padStart(5)} answers/s  p50 ${win.p50.toFixed(1)}  p99 ${win.p99.toFixed(1)}  max ${win.max.toFixed(0)} ms  ` +
    `in-flight ${inFlight}  errors ${errors}  dropped ${dropped}  late ${late}  | cpu% gen ${cpu.generator.toFixed(0)} svc ${cpu.service.toFixed(0)} pg ${cpu.postgres.toFixed(0)} other ${cpu.other.toFixed(0)}`;
}
