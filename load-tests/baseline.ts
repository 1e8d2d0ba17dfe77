// npm run load:baseline -- --rate 1000 --duration 60s [--concurrency 20] [--saturate]
// Raw PostgreSQL executing round 2's heartbeat statement, frozen in load-tests/frozen-r2, with no
// service in between (the same seeding, scheduler and histograms as npm run load).
// `npm run load -- --compare` runs this right after a service run; this entry point runs it alone.
import { loadConfig } from '../src/config.ts';
import { createOrm, migrate } from '../src/ops/orm.ts';
import { HELP as RUN_HELP, parse } from './lib/args.ts';
import { postmasterOf, type Roots } from './lib/cpu.ts';
import { Metrics } from './lib/metrics.ts';
import { RawBaseline } from './lib/pg-baseline.ts';
import { sideOf } from './lib/ratio.ts';
import { endpointRows, table, writeResult } from './lib/report.ts';
import { saturate, settings } from './lib/saturation.ts';
import { loadScenarioFile, resolvePlan, viewersFor } from './lib/scenarios.ts';
import { seed } from './lib/seed.ts';
import { database } from './lib/service.ts';

const HELP = `npm run load:baseline -- [--rate N] [--duration D] [--concurrency N] [--speed X] [--saturate ...]

Makes PostgreSQL execute round 2's heartbeat statement (select * from vt_heartbeat(...), the same
parameters and named prepared statement the round-2 service sent), frozen in load-tests/frozen-r2
and run on a copy of round 2's tables and functions in schema vt_r2 (filled from the seeded rows,
dropped at the end), for seeded viewers with sessions, at a constant arrival rate over N
connections (default DB_POOL_MAX × CLUSTER_WORKERS), measured like npm run load. Database:
DATABASE_URL, else the embedded one under .data/load (migrated here). The batched baseline and the
floor need a service run's batch sizes: npm run load -- --compare --batched --floor.
Rate, duration, speed and saturation options mean what they mean for npm run load:
${RUN_HELP.slice(RUN_HELP.indexOf('Scenario and rates'), RUN_HELP.indexOf('Comparisons'))}  --saturate, --from N --resolution N --max N --step-duration D --p99-limit MS   as for npm run load
`;

const log = (m: string) => console.log(m);

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (args.help) { console.log(HELP); return 0; }
  if (args.batched || args.floor) throw new Error('--batched and --floor send the batch sizes a service run recorded: run them with npm run load -- --compare');
  const f = loadScenarioFile();
  const plan = resolvePlan(f, 'heartbeat', { rate: args.rate, duration: args.duration, speed: args.speed, viewers: args.viewers });
  const rate = plan.streams[0].rate;
  const cfg = loadConfig(process.env);
  const connections = args.concurrency ?? cfg.DB_POOL_MAX * cfg.CLUSTER_WORKERS;
  const sat = settings(f, args.saturation);
  const speed = args.speed ?? f.viewers.speed;
  const db = await database(log);
  try {
    const orm = await createOrm({ url: db.url, poolMin: 0, poolMax: 1 });
    await migrate(orm).finally(() => orm.close());
    const fx = await seed(db.url, f, {}, args.saturate ? viewersFor(sat.max, f.viewers.cadenceSeconds, speed) : plan.viewers, log);
    const roots: Roots = { service: null, postgres: await postmasterOf(db.url).catch(() => null) };
    const raw = await RawBaseline.open({ databaseUrl: db.url, fx, connections, pausedShare: f.viewers.pausedShare, log });
    const run = (m: Metrics, r: number, durationMs: number, viewers: number, progress: (l: string) => void, stopWhen?: Parameters<RawBaseline['run']>[0]['stopWhen']) =>
      raw.run({ metrics: m, rate: r, durationMs, viewers, maxInFlight: plan.streams[0].maxVUs, lateMs: f.generator.lateMs, roots, progress, stopWhen });
    try {
      if (args.saturate) {
        const res = await saturate('postgres', sat, async (r, watch) => {
          const out = await run(watch.metrics, r, sat.stepDurationMs, viewersFor(r, f.viewers.cadenceSeconds, speed), () => {}, watch.stopWhen);
          return { side: sideOf(watch.metrics, out), run: out };
        }, log);
        log(`\nhighest round-2 vt_heartbeat rate held by raw PostgreSQL with p99 < ${sat.p99LimitMs} ms on ${connections} connections: ${res.held ?? 'none'}/s (${res.steps.length} steps, ${(res.ms / 1000).toFixed(0)} s)`);
        log(`result: ${writeResult('saturation-baseline', { args, connections, settings: sat, postgres: res })}`);
        return 0;
      }
      const m = new Metrics();
      const out = await run(m, rate, plan.durationMs, plan.viewers, log);
      log(table(`raw PostgreSQL: round 2's vt_heartbeat (frozen) at ${rate}/s for ${plan.durationMs / 1000} s on ${connections} connections, ${plan.viewers} viewers`, m, out, [], []));
      log(`result: ${writeResult('baseline', { args, connections, viewers: plan.viewers, endpoints: endpointRows(m), run: out })}`);
      return 0;
    } finally {
      await raw.close();
    }
  } finally {
    await db.stop();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
