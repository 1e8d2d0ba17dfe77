// npm run load -- --scenario heartbeat --rate 1000 --duration 60s   (see --help)
import { missingEndpoints, newStates, type World } from './lib/actions.ts';
import { HELP, parse, type Args } from './lib/args.ts';
import { LiveStreams } from './lib/live.ts';
import { WebhookReceivers } from './lib/webhooks.ts';
import { createClient } from './lib/http.ts';
import { Metrics } from './lib/metrics.ts';
import { runOnce, runSaturation, seedOnly, type Ctx } from './lib/modes.ts';
import { loadScenarioFile, parseDuration, resolvePlan, viewersFor, type Plan } from './lib/scenarios.ts';
import { seed } from './lib/seed.ts';
import { findOrStartService, type Target } from './lib/service.ts';

const log = (m: string) => console.log(m);

function usage(e: unknown): never {
  console.error(`${e instanceof Error ? e.message : String(e)}\n(npm run load -- --help explains the options)`);
  process.exit(2);
}

/** Saturation seeds for its highest step; other runs for the plan's viewers. */
function viewersToSeed(args: Args, plan: Plan, f: ReturnType<typeof loadScenarioFile>): number {
  if (!args.saturate) return plan.viewers;
  return viewersFor(args.saturation.max ?? f.saturation.max, f.viewers.cadenceSeconds, args.speed ?? f.viewers.speed);
}

/** Drops optional streams whose endpoint is not built yet; returns a skip message when a required one is missing. */
async function applyMissing(world: World, plan: Plan): Promise<string | null> {
  const optional = plan.streams.filter((s) => s.optional).map((s) => s.action);
  const missing = await missingEndpoints(world, [...plan.scenario.requires, ...optional]);
  const required = missing.filter((m) => plan.scenario.requires.includes(m.action));
  if (required.length) {
    return `SKIPPED: scenario ${plan.name} needs ${required.map((m) => m.endpoint).join(' and ')}, which answer 404 route_not_found here.`;
  }
  for (const m of missing) log(`note: stream "${plan.streams.find((s) => s.action === m.action)?.name}" dropped: ${m.endpoint} answers 404 route_not_found`);
  plan.streams = plan.streams.filter((s) => !missing.some((m) => m.action === s.action));
  return null;
}

async function main(): Promise<number> {
  let args: Args;
  let plan: Plan;
  const f = loadScenarioFile();
  try {
    args = parse(process.argv.slice(2));
    if (args.help) { console.log(HELP); return 0; }
    if (args.saturate && args.scenario !== 'heartbeat') throw new Error('--saturate steps the heartbeat scenario only');
    if (args.batched && !args.compare) throw new Error('--batched goes with --compare (it is a second raw baseline)');
    if (args.seedOnly && f.scenarios[args.scenario]?.k6 === false) throw new Error(`${args.scenario} runs in the npm runner only (k6 has no text/event-stream client), so there is no k6 script to seed for`);
    plan = resolvePlan(f, args.scenario, { profile: args.profile, rate: args.rate, rates: args.rates, duration: args.duration, viewers: args.viewers, speed: args.speed });
  } catch (e) {
    usage(e);
  }
  const target: Target = await findOrStartService(process.env.BASE_URL ?? 'http://127.0.0.1:8000', log, args.start);
  const stopOnSignal = (signal: string) => { log(`${signal}: stopping`); void target.stop().finally(() => process.exit(130)); };
  process.once('SIGINT', () => stopOnSignal('SIGINT'));
  process.once('SIGTERM', () => stopOnSignal('SIGTERM'));
  const maxSockets = Math.min(4000, plan.streams.reduce((a, s) => a + s.maxVUs, 0));
  const client = createClient(target.baseUrl, { maxSockets, timeoutMs: parseDuration(f.generator.timeout) });
  try {
    const fx = await seed(target.databaseUrl, f, plan.scenario, viewersToSeed(args, plan, f), log, target.env);
    const world: World = {
      client, fx, metrics: new Metrics(), states: newStates(fx.viewers.length), pausedShare: f.viewers.pausedShare,
      beatsPerSession: plan.scenario.day?.beatsPerSession ?? [10, 40],
    };
    const ctx: Ctx = { args, f, plan, target, world, log };
    if (args.seedOnly) return await seedOnly(ctx);
    const skip = await applyMissing(world, plan);
    if (skip) { log(skip); return 0; }
    await client.warm(plan.streams.reduce((a, s) => a + s.preAllocatedVUs, 0));
    if (plan.scenario.live) {
      const live = new LiveStreams(world, target.baseUrl, plan.scenario.live, plan, log);
      await live.verify();
      world.beside = live.beside();
    }
    if (plan.scenario.webhooks) {
      const receivers = new WebhookReceivers(world, plan.scenario.webhooks, log);
      await receivers.install(target.databaseUrl, fx.loginEmails);
      world.beside = receivers.beside(world.beside);
    }
    log(`${client.sockets()} connections open; running ${plan.name}: ${plan.streams.map((s) => `${s.name} ${s.rate}/s`).join(', ')} for ${plan.durationMs / 1000} s`);
    return args.saturate ? await runSaturation(ctx) : await runOnce(ctx);
  } finally {
    client.close();
    await target.stop();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(2);
});
