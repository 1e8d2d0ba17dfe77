// The runner's three modes: one run (optionally followed by its yardsticks: raw PostgreSQL running
// round 2's frozen statement, and the floor), saturation, seed-only for k6.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { World } from './actions.ts';
import type { Args } from './args.ts';
import { analyzeStarted } from './seed.ts';
import { runPlan } from './engine.ts';
import { between, heartbeatFigures, type HeartbeatFigures } from './cluster-figures.ts';
import { figuresOf, ratios, ratioTable, sideOf } from './ratio.ts';
import { endpointRows, table, writeResult } from './report.ts';
import { saturate, settings, type Settings } from './saturation.ts';
import { concurrency, driverOf, measureYardsticks, openRaw, roots, yardstickRun } from './yardsticks.ts';
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

/** The service's heartbeat counters, read once its processes have published the latest second. */
const published = (c: Ctx) => async () => {
  await new Promise((r) => setTimeout(r, 1500));
  return heartbeatFigures(c.target.databaseUrl);
};

export async function runOnce(c: Ctx): Promise<number> {
  const { plan, world } = c;
  const run = await runPlan(world, plan, { lateMs: c.f.generator.lateMs, roots: roots(c), log: c.log, sample: published(c), afterStart: () => analyzeStarted(c.target.databaseUrl) });
  const cluster = run.samples ? between(...(run.samples as [HeartbeatFigures, HeartbeatFigures])) : null;
  const thresholds = evaluate(world.metrics, plan.thresholds, plan.durationMs);
  const compares = compare(world.metrics, plan.scenario.compare, plan.durationMs);
  const speed = c.args.speed ?? c.f.viewers.speed;
  c.log(table(`scenario ${plan.name}: ${plan.durationMs / 1000} s, ${plan.viewers} viewers (a beat every ${(c.f.viewers.cadenceSeconds / speed).toFixed(1)} s each), ${c.target.baseUrl}`, world.metrics, run, thresholds, compares));
  if (cluster?.beats) {
    c.log(`service's own count (cluster metric): ${cluster.beats} heartbeats in ${cluster.statements} statements = ${cluster.roundTripsPerHeartbeat.toFixed(3)} round trips per heartbeat ` +
      `(${cluster.meanBatch.toFixed(1)} heartbeats per statement; statements by heartbeats carried: ${Object.entries(cluster.statementsBySize).map(([k, n]) => `${k}: ${n}`).join(', ')})`);
    if (plan.scenario.breakShare) c.log(`breaks begun during the run (cluster metric): ${cluster.breaks}`);
  }
  const yardsticks = await measureYardsticks(c, cluster);
  const service = figuresOf(world.metrics, run, cluster?.beats ? cluster.roundTripsPerHeartbeat : null);
  for (const y of yardsticks) c.log(ratioTable(y.title, service, y.figures, y.label, { service: run, baseline: y.run }));
  const failed = thresholds.some((t) => !t.ok) || compares.some((x) => !x.ok);
  const vs = Object.fromEntries(yardsticks.map((y) => [y.label.replace(' ', '_'), { ...y.extra, figures: y.figures, ratios: ratios(service, y.figures), endpoints: endpointRows(y.metrics), checks: Object.fromEntries(y.metrics.checks), cpu: y.run.cpu }]));
  const file = writeResult(plan.name, {
    scenario: plan.name, args: c.args, viewers: plan.viewers, durationMs: plan.durationMs, endpoints: endpointRows(world.metrics), run, cluster, service,
    checks: Object.fromEntries(world.metrics.checks), thresholds, compares, yardsticks: yardsticks.length ? vs : null, ...(world.besideResult ? { beside: world.besideResult } : {}), passed: !failed,
  });
  c.log(`\nresult: ${path.relative(process.cwd(), file)}\n${failed ? 'FAILED: a threshold was breached' : 'all thresholds passed'}`);
  return failed ? 1 : 0;
}

export async function runSaturation(c: Ctx): Promise<number> {
  const cfg = settings(c.f, c.args.saturation);
  const speed = c.args.speed ?? c.f.viewers.speed;
  const n = (rate: number) => viewersFor(rate, c.f.viewers.cadenceSeconds, speed);
  const duration = `${cfg.stepDurationMs}ms`;
  c.log(`saturation: from ${cfg.from}/s doubling until a step is not held, then bisecting to ${cfg.resolution}/s (max ${cfg.max}/s); ${cfg.stepDurationMs / 1000} s a step, ` +
    `held while p99 < ${cfg.p99LimitMs} ms with no errors, drops or generator lag; a step that cannot hold any more stops at once`);
  const service = await saturate('service ', cfg, async (rate, watch) => {
    c.world.metrics = watch.metrics;
    const plan = resolvePlan(c.f, c.plan.name, { rate, duration, speed });
    const run = await runPlan(c.world, { ...plan, streams: [driverOf(plan)] }, { lateMs: c.f.generator.lateMs, roots: roots(c), viewers: n(rate), stopWhen: watch.stopWhen, log: () => {}, afterStart: () => analyzeStarted(c.target.databaseUrl) });
    return { side: sideOf(watch.metrics, run), run };
  }, c.log);
  const postgres = c.args.compare ? await saturateRaw(c, cfg, n) : null;
  const ratio = service.held && postgres?.held ? service.held / postgres.held : null;
  const wall = { searchesS: (service.ms + (postgres?.ms ?? 0)) / 1000, wholeRunS: performance.now() / 1000 };
  c.log(`\nhighest heartbeat rate held with p99 < ${cfg.p99LimitMs} ms: service ${service.held ?? 'none'}/s (${service.steps.length} steps, ${(service.ms / 1000).toFixed(0)} s)` +
    (postgres ? `, raw PostgreSQL running round 2's vt_heartbeat ${postgres.held ?? 'none'}/s (${concurrency(c)} connections; ${postgres.steps.length} steps, ${(postgres.ms / 1000).toFixed(0)} s); service / postgres = ${ratio === null ? '-' : ratio.toFixed(2)}` : ' (add --compare for the raw-PostgreSQL baseline)'));
  c.log(`wall time: ${wall.searchesS.toFixed(0)} s for the search${postgres ? 'es' : ''}, ${wall.wholeRunS.toFixed(0)} s for the whole run (start-up and seeding included)`);
  const file = writeResult(`saturation-${c.plan.name}`, { scenario: c.plan.name, args: c.args, settings: cfg, service, postgres, ratio, wall });
  c.log(`result: ${path.relative(process.cwd(), file)}`);
  return 0;
}

/** The same search against round 2's frozen statement, its sessions kept from step to step like the service's. */
async function saturateRaw(c: Ctx, cfg: Settings, n: (rate: number) => number): Promise<Awaited<ReturnType<typeof saturate>>> {
  const raw = await openRaw(c);
  try {
    return await saturate('postgres', cfg, async (rate, watch) => {
      const run = await raw.run({ ...yardstickRun(c, watch.metrics, rate, cfg.stepDurationMs, n(rate)), progress: () => {}, stopWhen: watch.stopWhen });
      return { side: sideOf(watch.metrics, run), run };
    }, c.log);
  } finally {
    await raw.close();
  }
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
