// The runner's three modes: one run (optionally compared with raw PostgreSQL), saturation, seed-only for k6.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import type { World } from './actions.ts';
import type { Args } from './args.ts';
import { serviceProcesses, type Roots } from './cpu.ts';
import { runPlan, type RunResult } from './engine.ts';
import { Metrics } from './metrics.ts';
import { between, heartbeatFigures, type HeartbeatFigures } from './cluster-figures.ts';
import { runBaseline } from './pg-baseline.ts';
import { ratioTable, sideOf } from './ratio.ts';
import { endpointRows, table, writeResult } from './report.ts';
import { saturate, settings } from './saturation.ts';
import { k6Command } from './plan.ts';
import { parseDuration, resolvePlan, viewersFor, type Plan, type ScenarioFile } from './scenarios.ts';
import { RESULTS_DIR, type Target } from './service.ts';
import { compare, evaluate } from './thresholds.ts';

export interface Ctx {
  args: Args;
  f: ScenarioFile;
  plan: Plan;
  target: Target;
  world: World;
  log: (m: string) => void;
}

const driverOf = (plan: Plan) => plan.streams.find((s) => s.name === plan.scenario.driver)!;
const roots = (c: Ctx): Roots => ({ service: c.target.pid, postgres: c.target.postgresPid });

/** PostgreSQL connections the service can hold: DB_POOL_MAX per serving process. */
function concurrency(c: Ctx): number {
  if (c.args.concurrency) return c.args.concurrency;
  const cfg = loadConfig(process.env);
  const procs = c.target.pid ? serviceProcesses(c.target.pid) : cfg.CLUSTER_WORKERS;
  return cfg.DB_POOL_MAX * procs;
}

/** The service's group commit, per process, for the batched baseline. */
export function batchedLike(processes: number) {
  const cfg = loadConfig(process.env);
  return { processes, maxBatch: cfg.HEARTBEAT_MAX_BATCH, paceMs: cfg.HEARTBEAT_PACE_MS };
}

function baseline(c: Ctx, rate: number, durationMs: number, viewers: number, batched = false): Promise<{ m: Metrics; run: RunResult; connections: number }> {
  const m = new Metrics();
  const connections = concurrency(c);
  const processes = c.target.pid ? serviceProcesses(c.target.pid) : loadConfig(process.env).CLUSTER_WORKERS;
  return runBaseline({
    databaseUrl: c.target.databaseUrl, fx: c.world.fx, metrics: m, rate, durationMs, concurrency: connections, viewers,
    maxInFlight: driverOf(c.plan).maxVUs, lateMs: c.f.generator.lateMs, pausedShare: c.f.viewers.pausedShare, log: c.log, roots: { service: null, postgres: c.target.postgresPid },
    batched: batched ? batchedLike(processes) : undefined,
  }).then((run) => ({ m, run, connections }));
}

/** The service's heartbeat counters, read once its processes have published the latest second. */
const published = (c: Ctx) => async () => {
  await new Promise((r) => setTimeout(r, 1500));
  return heartbeatFigures(c.target.databaseUrl);
};

export async function runOnce(c: Ctx): Promise<number> {
  const { plan, world } = c;
  const run = await runPlan(world, plan, { lateMs: c.f.generator.lateMs, roots: roots(c), log: c.log, sample: published(c) });
  const cluster = run.samples ? between(...(run.samples as [HeartbeatFigures, HeartbeatFigures])) : null;
  const thresholds = evaluate(world.metrics, plan.thresholds, plan.durationMs);
  const compares = compare(world.metrics, plan.scenario.compare, plan.durationMs);
  const speed = c.args.speed ?? c.f.viewers.speed;
  c.log(table(`scenario ${plan.name}: ${plan.durationMs / 1000} s, ${plan.viewers} viewers (a beat every ${(c.f.viewers.cadenceSeconds / speed).toFixed(1)} s each), ${c.target.baseUrl}`, world.metrics, run, thresholds, compares));
  if (cluster?.beats) {
    c.log(`service's own count (cluster metric): ${cluster.beats} heartbeats in ${cluster.statements} statements = ${cluster.roundTripsPerHeartbeat.toFixed(3)} round trips per heartbeat ` +
      `(${cluster.meanBatch.toFixed(1)} heartbeats per statement; statements by heartbeats carried: ${Object.entries(cluster.statementsBySize).map(([k, n]) => `${k}: ${n}`).join(', ')})`);
  }
  let vsPostgres: Record<string, unknown> | null = null;
  if (c.args.compare) {
    const d = driverOf(plan);
    const b = await baseline(c, d.rate, plan.durationMs, plan.viewers);
    c.log(ratioTable(`service vs raw PostgreSQL running vt_heartbeat at ${d.rate}/s on ${b.connections} connections, same database, back to back`, sideOf(world.metrics, run), sideOf(b.m, b.run), { service: run, baseline: b.run }));
    vsPostgres = { connections: b.connections, service: sideOf(world.metrics, run), postgres: sideOf(b.m, b.run), endpoints: endpointRows(b.m), cpu: b.run.cpu };
    if (c.args.batched) {
      const g = await baseline(c, d.rate, plan.durationMs, plan.viewers, true);
      c.log(ratioTable(`service vs raw PostgreSQL running the group-commit statement (vt_heartbeats) at ${d.rate}/s, same database, back to back`, sideOf(world.metrics, run), sideOf(g.m, g.run), { service: run, baseline: g.run }));
      Object.assign(vsPostgres, { batched: { postgres: sideOf(g.m, g.run), endpoints: endpointRows(g.m), cpu: g.run.cpu } });
    }
  }
  const failed = thresholds.some((t) => !t.ok) || compares.some((x) => !x.ok);
  const file = writeResult(plan.name, { scenario: plan.name, args: c.args, viewers: plan.viewers, durationMs: plan.durationMs, endpoints: endpointRows(world.metrics), run, cluster, checks: Object.fromEntries(world.metrics.checks), thresholds, compares, vsPostgres, ...(world.besideResult ? { beside: world.besideResult } : {}), passed: !failed });
  c.log(`\nresult: ${path.relative(process.cwd(), file)}\n${failed ? 'FAILED: a threshold was breached' : 'all thresholds passed'}`);
  return failed ? 1 : 0;
}

export async function runSaturation(c: Ctx): Promise<number> {
  const cfg = settings(c.f, c.args.saturation);
  const speed = c.args.speed ?? c.f.viewers.speed;
  const n = (rate: number) => viewersFor(rate, c.f.viewers.cadenceSeconds, speed);
  const duration = `${cfg.stepDurationMs}ms`;
  c.log(`saturation: ${cfg.from}/s upwards by ${cfg.step}/s (max ${cfg.max}), ${cfg.stepDurationMs / 1000} s a step, held while p99 < ${cfg.p99LimitMs} ms with no errors, drops or generator lag`);
  const service = await saturate('service ', cfg, async (rate) => {
    c.world.metrics = new Metrics();
    const plan = resolvePlan(c.f, c.plan.name, { rate, duration, speed });
    const run = await runPlan(c.world, { ...plan, streams: [driverOf(plan)] }, { lateMs: c.f.generator.lateMs, roots: roots(c), viewers: n(rate), log: () => {} });
    return { side: sideOf(c.world.metrics, run), run };
  }, c.log);
  const postgres = c.args.compare
    ? await saturate('postgres', cfg, async (rate) => { const b = await baseline(c, rate, cfg.stepDurationMs, n(rate)); return { side: sideOf(b.m, b.run), run: b.run }; }, c.log)
    : null;
  const ratio = service.held && postgres?.held ? service.held / postgres.held : null;
  c.log(`\nhighest heartbeat rate held with p99 < ${cfg.p99LimitMs} ms: service ${service.held ?? 'none'}/s` +
    (postgres ? `, raw PostgreSQL ${postgres.held ?? 'none'}/s (${concurrency(c)} connections); service / postgres = ${ratio === null ? '-' : ratio.toFixed(2)}` : ' (add --compare for the raw-PostgreSQL baseline)'));
  const file = writeResult(`saturation-${c.plan.name}`, { scenario: c.plan.name, args: c.args, settings: cfg, service, postgres, ratio });
  c.log(`result: ${path.relative(process.cwd(), file)}`);
  return 0;
}

export async function seedOnly(c: Ctx): Promise<number> {
  const file = path.resolve(c.args.out ?? path.join(RESULTS_DIR, 'fixture.json'));
  writeFileSync(file, JSON.stringify({ baseUrl: c.target.baseUrl, ...c.world.fx }));
  c.log(`fixture for k6: ${file}\n  ${k6Command(c.plan, c.target.baseUrl, file)}`);
  if (!c.target.pid) return 0;
  const holdMs = parseDuration(c.args.hold);
  c.log(`the service started here stays up for ${c.args.hold} (Ctrl-C stops it sooner)`);
  await new Promise((r) => setTimeout(r, holdMs));
  return 0;
}
