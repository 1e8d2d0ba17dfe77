// Weekly report under a year of history: end-to-end p95 for 10 children, and proof that the
// report's decoding and aggregation are off the event loop (event-loop delay with the worker
// pool vs the same work inline). Usage: node load-tests/report-offload.ts [--reports 200] [--help]
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { startEmbeddedPostgres } from '../src/ops/embedded.ts';
import { createOrm, migrate } from '../src/ops/orm.ts';
import { TokenService } from '../src/domain/accounts/tokens.ts';
import { startService } from '../src/main.ts';
import { createLogger } from '../src/logger.ts';
import { buildWeeklyReport } from '../src/workers/weekly-report.ts';
import { WorkerPool } from '../src/workers/pool.ts';
import { newHistogram, summary } from '../src/domain/metrics/histogram.ts';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: node load-tests/report-offload.ts [--reports N] [--children N]
  Seeds one household with N children (default 10) and a year of viewing each, then
  1. requests the weekly report N times (default 200, 2 at a time) while heartbeats run, and prints
     the report p50/p95/p99 and the heartbeat p95/p99 seen meanwhile;
  2. runs the report's aggregation 50 times inline on the event loop and 50 times in the worker pool,
     measuring event-loop delay (p99, max) for each.
  Uses its own embedded PostgreSQL in a temporary folder; everything is removed at the end.`);
  process.exit(0);
}
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const REPORTS = opt('reports', 200);
const CHILDREN = opt('children', 10);
const WEEK_START = '2026-11-16';

async function seedYear(url: string): Promise<{ userId: string; kids: string[]; titleId: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows: [u] } = await c.query(`insert into users (id, email, password_hash, timezone, created_at) values (gen_random_uuid(), 'bench-' || gen_random_uuid() || '@example.com', 'x', 'Europe/Berlin', now()) returning id`);
  const { rows: titles } = await c.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at)
    select gen_random_uuid(), 'Bench title ' || i, i % 5 = 0, 20, 'G', now() from generate_series(1, 40) i returning id`);
  const kids: string[] = [];
  for (let i = 0; i < CHILDREN; i++) {
    const { rows: [p] } = await c.query(`insert into profiles (id, user_id, name, is_kids, parental_rating, created_at) values (gen_random_uuid(), $1, $2, true, 'PG', now()) returning id`, [u.id, `Kid ${i}`]);
    await c.query(`insert into viewing_time_configs (id, profile_id, monday_limit_minutes, tuesday_limit_minutes, wednesday_limit_minutes, thursday_limit_minutes, friday_limit_minutes, saturday_limit_minutes, sunday_limit_minutes, reset_hour, educational_exempt, timezone, updated_at)
      values (gen_random_uuid(), $1, 120, 120, 120, 120, 120, 180, 180, 6, true, 'Europe/Berlin', now())`, [p.id]);
    // a year of days, 4 sessions a day, a balance per day and a grant a week
    await c.query(`insert into viewing_sessions (id, profile_id, title_id, device_id, device_type, is_educational, started_at, last_heartbeat_at, ended_at, end_reason, total_seconds)
      select gen_random_uuid(), $1, ($2::uuid[])[1 + (d * 4 + s) % 40], 'tv', 'tv', (d + s) % 5 = 0, ts, ts + interval '25 min', ts + interval '25 min', 'ended', 1500
      from generate_series(0, 364) d, generate_series(0, 3) s, lateral (select timestamptz '2025-11-23 08:00+00' + d * interval '1 day' + s * interval '3 hours' as ts) t`, [p.id, titles.map((t) => t.id)]);
    await c.query(`insert into viewing_time_balances (id, profile_id, reset_date, used_seconds, educational_seconds, bonus_seconds, is_unlimited_override, day_start, day_end, limit_minutes, updated_at)
      select gen_random_uuid(), $1, date '2025-11-23' + d, 4800, 1200, case when d % 7 = 0 then 1800 else 0 end, false,
        timestamptz '2025-11-23 05:00+00' + d * interval '1 day', timestamptz '2025-11-24 05:00+00' + d * interval '1 day', 120, now()
      from generate_series(0, 364) d`, [p.id]);
    await c.query(`insert into time_grants (id, profile_id, granted_by_id, minutes, reset_date, granted_at)
      select gen_random_uuid(), $1, $2, 30, date '2025-11-23' + d, timestamptz '2025-11-23 15:00+00' + d * interval '1 day' from generate_series(0, 364, 7) d`, [p.id, u.id]);
    kids.push(p.id);
  }
  await c.query('analyze');
  await c.end();
  return { userId: u.id, kids, titleId: titles[1].id };
}

async function timed(h: ReturnType<typeof newHistogram>, fn: () => Promise<Response>): Promise<void> {
  const t0 = performance.now();
  const r = await fn();
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vtime-report-bench-'));
  const db = await startEmbeddedPostgres({ dataDir: dir, database: 'bench', persistent: false });
  try {
    const orm = await createOrm({ url: db.url, poolMin: 0, poolMax: 1 });
    await migrate(orm);
    await orm.close();
    const t0 = performance.now();
    const fx = await seedYear(db.url);
    console.log(`seeded ${CHILDREN} children × 365 days (${CHILDREN * 1460} sessions) in ${Math.round(performance.now() - t0)} ms`);
    const config = loadConfig({ ...process.env, WORKER_THREADS: '1', LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '0' });
    const svc = await startService(config, { databaseUrl: db.url, port: 0, host: '127.0.0.1', logger: createLogger('warn'), publishMetrics: false });
    const tokens = new TokenService({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, accessTtlSeconds: 3600, deviceTtlSeconds: 3600 });
    const token = await tokens.accessToken({ userId: fx.userId, scope: 'household' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const report = () => fetch(`${svc.url}/api/v1/parental-controls/weekly-report?week_start=${WEEK_START}`, { headers });
    for (let i = 0; i < 10; i++) await (await report()).arrayBuffer(); // warm-up
    const reportH = newHistogram();
    const beatH = newHistogram();
    let running = true;
    const beats = (async () => {
      let sid: string | undefined;
      while (running) {
        await timed(beatH, async () => {
          const r = await fetch(`${svc.url}/api/v1/viewing-time/heartbeat`, { method: 'POST', headers, body: JSON.stringify({ profile_id: fx.kids[0], session_id: sid, title_id: fx.titleId, device_id: 'tv' }) });
          const clone = r.clone();
          sid = ((await clone.json()) as { session_id: string }).session_id;
          return r;
        });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const lanes = Array.from({ length: 2 }, async (_, lane) => { for (let i = lane; i < REPORTS; i += 2) await timed(reportH, report); });
    await Promise.all(lanes);
    running = false;
    await beats;
    const sample = await (await report()).json() as { profiles: unknown[] };
    console.log(`\nweekly report, ${CHILDREN} children, a year of history each (${REPORTS} requests, 2 at a time, heartbeats every 20 ms meanwhile)`);
    console.table({ report: summary(reportH), heartbeat: summary(beatH) });
    console.log(`profiles in a report: ${sample.profiles.length}`);
    await offload(db.url, fx.userId);
    await svc.close();
  } finally {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same report work, 50 times inline and 50 times in the pool, with event-loop delay measured. */
async function offload(url: string, userId: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows: [row] } = await c.query(`select (select json_build_object('profiles', json_agg(json_build_object('id', p.id, 'name', p.name, 'config', to_jsonb(c)))) from profiles p join viewing_time_configs c on c.profile_id = p.id where p.user_id = $1)::text as profiles`, [userId]);
  // a big input: a year of balances and sessions, so the work is visible (the service reads one week)
  const { rows: [big] } = await c.query(`select json_build_object(
    'profiles', $2::json -> 'profiles',
    'balances', (select json_agg(json_build_object('profile_id', b.profile_id, 'date', b.reset_date, 'used', b.used_seconds, 'educational', b.educational_seconds, 'bonus', b.bonus_seconds, 'unlimited', b.is_unlimited_override, 'limit', b.limit_minutes)) from viewing_time_balances b join profiles p on p.id = b.profile_id where p.user_id = $1),
    'grants', '[]'::json,
    'sessions', (select json_agg(json_build_object('profile_id', s.profile_id, 'title_id', s.title_id, 'title', 'x', 'started_at', s.started_at, 'seconds', s.total_seconds)) from viewing_sessions s join profiles p on p.id = s.profile_id where p.user_id = $1))::text as data`, [userId, row.profiles]);
  await c.end();
  const input = { weekStart: WEEK_START, now: '2026-11-20T12:00:00Z', data: big.data as string };
  const measure = async (label: string, run: () => Promise<unknown>) => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) { await run(); await new Promise((r) => setImmediate(r)); }
    h.disable();
    return { where: label, runs: 50, total_ms: Math.round(performance.now() - t0), loop_p99_ms: Math.round(h.percentile(99) / 1e4) / 100, loop_max_ms: Math.round(h.max / 1e4) / 100 };
  };
  const pool = new WorkerPool({ threads: 1, maxQueue: 100 });
  await pool.weeklyReport(input);
  const rows = [await measure('inline (event loop)', async () => buildWeeklyReport(input)), await measure('worker pool', () => pool.weeklyReport(input))];
  await pool.close();
  console.log(`\nreport aggregation on ${(input.data.length / 1e6).toFixed(1)} MB of JSON (a year of ${CHILDREN} children): event-loop delay`);
  console.table(rows);
}

await main();
