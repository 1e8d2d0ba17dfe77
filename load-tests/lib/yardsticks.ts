// What a service run is measured against, right after it on the same database: raw PostgreSQL
// running round 2's frozen statements (--compare, --batched) and the floor (--floor).
import { loadConfig } from '../../src/config.ts';
import { batchPlan, meanSize, runBatches, type BatchPlan } from './batches.ts';
import type { between } from './cluster-figures.ts';
import { serviceProcesses, type Roots } from './cpu.ts';
import type { RunResult } from './engine.ts';
import { openFloor } from './floor.ts';
import { Metrics } from './metrics.ts';
import type { Ctx } from './modes.ts';
import { RawBaseline } from './pg-baseline.ts';
import { figuresOf, type Figures } from './ratio.ts';
import type { Plan } from './scenarios.ts';

export const driverOf = (plan: Plan) => plan.streams.find((s) => s.name === plan.scenario.driver)!;
export const roots = (c: Ctx): Roots => ({ service: c.target.pid, postgres: c.target.postgresPid });

/** Processes serving requests: each has its own PostgreSQL pool and one group-commit lane. */
export function processes(c: Ctx): number {
  return c.target.pid ? serviceProcesses(c.target.pid) : loadConfig(process.env).CLUSTER_WORKERS;
}

/** PostgreSQL connections the service can hold: DB_POOL_MAX per serving process. */
export function concurrency(c: Ctx): number {
  return c.args.concurrency ?? loadConfig(process.env).DB_POOL_MAX * processes(c);
}

/** The frozen round-2 baseline for this run's seeded viewers (schema vt_r2, dropped by close()). */
export function openRaw(c: Ctx): Promise<RawBaseline> {
  return RawBaseline.open({ databaseUrl: c.target.databaseUrl, fx: c.world.fx, connections: concurrency(c), pausedShare: c.f.viewers.pausedShare, log: c.log });
}

/** What every yardstick run at the service's rate shares. */
export function yardstickRun(c: Ctx, metrics: Metrics, rate: number, durationMs: number, viewers: number) {
  return { metrics, rate, durationMs, viewers, maxInFlight: driverOf(c.plan).maxVUs, lateMs: c.f.generator.lateMs, roots: roots(c), progress: c.log };
}

export type Cluster = ReturnType<typeof between>;
export interface Yardstick { label: string; title: string; figures: Figures; run: RunResult; metrics: Metrics; extra?: Record<string, unknown> }

/** Raw PostgreSQL running round 2's statements: one beat per statement, and (--batched) the service's batch sizes. */
async function rawYardsticks(c: Ctx, batches: BatchPlan | null): Promise<Yardstick[]> {
  const d = driverOf(c.plan);
  const raw = await openRaw(c);
  try {
    const out: Yardstick[] = [];
    const m = new Metrics();
    c.log(`\nbaseline: round 2's single-beat statement (vt_r2.vt_heartbeat) at ${d.rate}/s for ${c.plan.durationMs / 1000} s on ${concurrency(c)} connections`);
    const run = await raw.run(yardstickRun(c, m, d.rate, c.plan.durationMs, c.plan.viewers));
    out.push({ label: 'raw r2', title: `service vs raw PostgreSQL running round 2's vt_heartbeat (frozen) at ${d.rate}/s on ${concurrency(c)} connections, same database, back to back`, figures: figuresOf(m, run, 1, 'yardstick'), run, metrics: m, extra: { connections: concurrency(c) } });
    if (batches) {
      const g = new Metrics();
      c.log(`\nbaseline: round 2's group-commit statement (vt_r2.vt_heartbeats) at ${d.rate}/s, ${meanSize(batches).toFixed(1)} beats per statement on average, ${batches.lanes} connections`);
      const b = await raw.runBatched(yardstickRun(c, g, d.rate, c.plan.durationMs, c.plan.viewers), batches);
      out.push({ label: 'batched r2', title: `service vs raw PostgreSQL running round 2's vt_heartbeats (frozen) in the service's batch sizes at ${d.rate}/s on ${batches.lanes} connections`, figures: figuresOf(g, b, b.statements / b.beats, 'yardstick'), run: b, metrics: g, extra: { connections: batches.lanes } });
    }
    return out;
  } finally {
    await raw.close();
  }
}

/** The floor: the minimal batched update of the rows a steady beat writes, on the service's own rows. */
async function floorYardstick(c: Ctx, batches: BatchPlan): Promise<Yardstick> {
  const d = driverOf(c.plan);
  const speed = c.args.speed ?? c.f.viewers.speed;
  const floor = await openFloor({
    databaseUrl: c.target.databaseUrl, profileIds: c.world.fx.viewers.slice(0, c.plan.viewers).map((v) => v.profileId), rows: c.args.floorRows,
    lanes: batches.lanes, creditSeconds: Math.round(c.f.viewers.cadenceSeconds / speed), log: c.log,
  });
  try {
    const m = new Metrics();
    c.log(`\nfloor: ${d.rate} beats/s for ${c.plan.durationMs / 1000} s, ${meanSize(batches).toFixed(1)} beats per statement on average (the service's recorded sizes), ${batches.lanes} connections`);
    const run = await runBatches({ ...yardstickRun(c, m, d.rate, c.plan.durationMs, floor.viewers), name: 'floor', batches, send: (v) => floor.send(v, m) });
    const rows = c.args.floorRows;
    return {
      label: 'floor', title: `service vs the floor: ${rows} row${rows === 2 ? 's' : ''} per beat updated by UPDATE ... FROM unnest(...) RETURNING, the service's batch sizes, ${d.rate}/s on ${batches.lanes} connections`,
      figures: figuresOf(m, { ...run, started: 0 }, run.statements / run.beats, 'yardstick'), run: { ...run, started: 0 }, metrics: m, extra: { rows, connections: batches.lanes, statements: run.statements, beats: run.beats },
    };
  } finally {
    await floor.close();
  }
}

/** The batch sizes the service's run recorded, on one connection per service process; null (with a message) when it published none. */
function recordedBatches(c: Ctx, cluster: Cluster | null): BatchPlan | null {
  if (cluster?.statements) return batchPlan(cluster.bySize, processes(c));
  c.log('WARNING: the service published no heartbeat statement counts (metrics_snapshots), so there are no batch sizes for --floor and --batched: they are skipped');
  return null;
}

/** Runs the yardsticks asked for, in order: raw round 2 (--compare, --batched), then the floor. */
export async function measureYardsticks(c: Ctx, cluster: Cluster | null): Promise<Yardstick[]> {
  const batches = c.args.floor || c.args.batched ? recordedBatches(c, cluster) : null;
  const out = c.args.compare ? await rawYardsticks(c, c.args.batched ? batches : null) : [];
  if (c.args.floor && batches) out.push(await floorYardstick(c, batches));
  return out;
}

