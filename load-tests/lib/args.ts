// Command line of `npm run load` (and the parts `npm run load:baseline` shares).
import { parseArgs } from 'node:util';
import { FLOOR_ROWS_DEFAULT, type FloorRows } from './floor.ts';

export const HELP = `npm run load -- [options]      open-model load generator for vtime (no k6 needed)

Runs a scenario of load-tests/scenarios.json (the definition the k6 scripts read too) against
the service at BASE_URL (default http://127.0.0.1:8000). When nothing answers there it starts the
service itself (node src/main.ts, as npm start) on a free port, with an embedded PostgreSQL under
.data/load (or DATABASE_URL if set), LOG_LEVEL=warn and SEED_DEMO_DATA=false, and stops both at the
end. It seeds the viewers the scenario needs straight into the database with set-based SQL
(households, kids profiles, configs, titles; a previous run's load data is deleted first) and mints
their tokens locally with the service's JWT settings (JWT_SECRET/JWT_ISSUER/JWT_AUDIENCE; give the
same values the service has). For a service that is already running, DATABASE_URL must name its
database.

Service
  --start               always start a service of its own, even when one answers at BASE_URL (CI)

Scenario and rates
  --scenario NAME       heartbeat (default), pin-storm, reports, day-in-the-life
  --rate N              arrivals/s of the scenario's driver stream (heartbeats or players)
  --rates a=N,b=M       arrivals/s of other streams, by stream name (e.g. pins=5)
  --duration D          e.g. 30s, 2m (default from the scenario)
  --profile smoke       the scenario's lenient smoke settings (CI)
  --speed X             compresses the 30-s heartbeat cadence X times (default 10: a beat every 3 s)
  --viewers N           viewers to seed (default rate × 30 s / speed)

Comparisons (yardsticks, run right after the service's run, on the same database)
  --compare             raw PostgreSQL running round 2's single-beat statement, frozen in the runner
                        (load-tests/frozen-r2: select * from vt_heartbeat(...) on a copy of round 2's
                        tables and functions in schema vt_r2, filled from this run's seeded rows), at
                        the same rate and duration on DB_POOL_MAX × service processes connections;
                        every service figure is printed as a ratio to it
  --batched             with --compare, also round 2's group-commit statement (vt_r2.vt_heartbeats), in
                        statements of the sizes the service's run recorded, one connection per service
                        process (its group-commit lanes)
  --floor               the least a steady beat can cost PostgreSQL: at the same rate, in statements of
                        the sizes the service's run recorded, on one connection per service process, the
                        minimal batched UPDATE ... FROM unnest(...) RETURNING of the seeded viewers' rows
                        (their balance row for today and, with --floor-rows 2, their open session);
                        PostgreSQL CPU per beat of the service over the floor's is what is left to save
  --floor-rows 1|2      rows a steady beat writes (default ${FLOOR_ROWS_DEFAULT}: the engine writes its session and its day's balance)
  --concurrency N       connections of the single-beat baseline (default: DB_POOL_MAX × service processes)
  --saturate            find the highest heartbeat rate held (p99 < the limit, nothing failed or
                        dropped, the generator on time) by bisection: after a warm-up step at half
                        --from (not counted), the rate doubles from --from until a step is not held,
                        then the bracket is halved down to --resolution; a step that can no longer
                        be held stops at once, and one not held is run once more (with --compare,
                        for the raw baseline too); prints the searches' and the whole run's wall time
  --from N --resolution N --max N --step-duration D --p99-limit MS   saturation overrides (scenarios.json)

k6
  --seed-only           seed, write the fixture the k6 scripts read (load-tests/results/fixture.json,
                        or --out FILE) and print the k6 command; a service started here stays up for
                        --hold D (default 15m) or until Ctrl-C

Output: a progress line each second (answers/s, p50/p99/max of that second, in-flight, errors,
dropped and late arrivals, CPU % by generator/service/postgres/other, where postgres is the run's
postmaster and every process under it), then a table per endpoint (HDR-histogram p50/p95/p99/max,
failures, X-DB-Ops average/max), the streams' target vs achieved rate, dropped arrivals (every "VU"
busy: maxVUs) and late ones (issued over generator.lateMs after their due instant: the generator
fell behind), the thresholds, a table of service ÷ yardstick ratios per yardstick (latency, round
trips, PostgreSQL and service CPU ms per beat), and a JSON file in load-tests/results/. Exit code 1 when a threshold is breached, 2 on a usage or setup error; a
scenario whose endpoints are not built yet (404 route_not_found) is skipped with exit code 0.
`;

export interface Args {
  scenario: string;
  rate?: number;
  rates: Record<string, number>;
  duration?: string;
  profile?: string;
  speed?: number;
  viewers?: number;
  compare: boolean;
  /** with --compare, round 2's group-commit statement too, at the service's recorded batch sizes */
  batched: boolean;
  floor: boolean;
  floorRows: FloorRows;
  concurrency?: number;
  saturate: boolean;
  saturation: { from?: number; resolution?: number; max?: number; stepDuration?: string; p99LimitMs?: number };
  seedOnly: boolean;
  start: boolean;
  out?: string;
  hold: string;
  help: boolean;
}

const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not "${v}"`);
  return n;
};

export function parse(argv: string[]): Args {
  const { values: v } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      scenario: { type: 'string', default: 'heartbeat' }, rate: { type: 'string' }, rates: { type: 'string' }, duration: { type: 'string' },
      profile: { type: 'string' }, speed: { type: 'string' }, viewers: { type: 'string' }, compare: { type: 'boolean', default: false },
      baseline: { type: 'boolean', default: false }, batched: { type: 'boolean', default: false }, floor: { type: 'boolean', default: false }, 'floor-rows': { type: 'string' },
      concurrency: { type: 'string' }, saturate: { type: 'boolean', default: false }, from: { type: 'string' }, resolution: { type: 'string' }, max: { type: 'string' }, 'step-duration': { type: 'string' }, 'p99-limit': { type: 'string' },
      'seed-only': { type: 'boolean', default: false }, start: { type: 'boolean', default: false }, out: { type: 'string' }, hold: { type: 'string', default: '15m' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const rates: Record<string, number> = {};
  for (const pair of (v.rates ?? '').split(',').filter(Boolean)) {
    const [name, n] = pair.split('=');
    rates[name] = positive(`rates ${name}`, n)!;
  }
  const floorRows = v['floor-rows'] === undefined ? FLOOR_ROWS_DEFAULT : Number(v['floor-rows']);
  if (floorRows !== 1 && floorRows !== 2) throw new Error(`--floor-rows must be 1 or 2, not "${v['floor-rows']}"`);
  return {
    scenario: v.scenario!, rate: positive('rate', v.rate), rates, duration: v.duration, profile: v.profile, speed: positive('speed', v.speed),
    viewers: positive('viewers', v.viewers), compare: v.compare! || v.baseline!, batched: v.batched!, floor: v.floor!, floorRows, concurrency: positive('concurrency', v.concurrency), saturate: v.saturate!,
    saturation: { from: positive('from', v.from), resolution: positive('resolution', v.resolution), max: positive('max', v.max), stepDuration: v['step-duration'], p99LimitMs: positive('p99-limit', v['p99-limit']) },
    seedOnly: v['seed-only']!, start: v.start!, out: v.out, hold: v.hold!, help: v.help!,
  };
}
