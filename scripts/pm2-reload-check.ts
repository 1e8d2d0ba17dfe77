// Proves that `pm2 reload` drops no request: runs the service under PM2 (ecosystem.config.cjs) on a
// private embedded PostgreSQL and a private PM2_HOME, keeps a steady stream of requests going while
// PM2 replaces every process, and fails if any request failed or no process was actually replaced.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateVapidKeys } from '../src/config.ts';
import { freePort, startEmbeddedPostgres } from '../src/ops/embedded.ts';
import { createOrm, migrate } from '../src/ops/orm.ts';

const HELP = `node scripts/pm2-reload-check.ts [options]

Starts an embedded PostgreSQL in a temporary folder, migrates it, starts vtime with
\`npx pm2 start ecosystem.config.cjs\` (private PM2_HOME, loopback only), waits for /health/ready,
registers a user, then sends a steady stream of GET /health/live and GET /api/v1/titles while
\`npx pm2 reload ecosystem.config.cjs\` runs. Reports the requests sent and failed and which
processes answered before and after. Exit 0: none failed and every process was replaced; 1 otherwise.
(Not /health/ready: a draining process answers it 503 on purpose, to take itself out of a load
balancer's rotation; that is the signal working, not a dropped request.)

  --instances N     PM2 instances (default 2)
  --concurrency N   parallel request loops (default 4)
  --max-requests N  upper bound on requests sent (default 20000)
  --timeout S       upper bound on the whole check in seconds (default 240)
  -h, --help        this text`;

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '2' }, concurrency: { type: 'string', default: '4' },
    'max-requests': { type: 'string', default: '20000' }, timeout: { type: 'string', default: '240' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) { console.log(HELP); process.exit(0); }

const deadline = Date.now() + Number(args.timeout) * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `npx pm2 …` in the project with the given environment; resolves with its exit code and output.
 * It gets a process group of its own so a timeout can end npx and the pm2 CLI under it together.
 */
function pm2(argv: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['--no-install', 'pm2', ...argv], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const limit = Math.max(1000, Math.min(timeoutMs, deadline + 60_000 - Date.now())); // cleanup may overrun the deadline a little
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } }, limit);
    child.on('exit', (code) => { clearTimeout(timer); setTimeout(() => resolve({ code, out }), 50); });
  });
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 240 && Date.now() < deadline; i++) {
    try {
      if ((await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch { /* not listening yet */ }
    await sleep(250);
  }
  throw new Error('the service under PM2 did not become ready');
}

async function register(base: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000),
    body: JSON.stringify({ email: `reload-${randomBytes(6).toString('hex')}@check.vtime.example`, password: 'correct horse battery' }),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

interface Tally { sent: number; failed: number; reasons: Map<string, number>; servedBy: Set<string> }

/** One request loop: alternates liveness and an authenticated catalogue read until told to stop. */
async function loop(base: string, token: string, tally: Tally, until: () => boolean, max: number): Promise<void> {
  for (let i = 0; !until() && tally.sent < max && Date.now() < deadline; i++) {
    const url = i % 2 ? `${base}/api/v1/titles?limit=5` : `${base}/health/live`;
    tally.sent++;
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      const by = res.headers.get('x-served-by');
      if (by) tally.servedBy.add(by);
      if (res.ok) await res.arrayBuffer();
      if (!res.ok) throw new Error(`${new URL(url).pathname} answered ${res.status} ${(await res.text().catch(() => '')).slice(0, 120)}`);
    } catch (e) {
      tally.failed++;
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      const key = `${(e as Error).message}${cause ? ` (${cause})` : ''}`;
      tally.reasons.set(key, (tally.reasons.get(key) ?? 0) + 1);
    }
  }
}

async function phase(base: string, token: string, during: () => Promise<unknown>): Promise<Tally> {
  const tally: Tally = { sent: 0, failed: 0, reasons: new Map(), servedBy: new Set() };
  let done = false;
  const loops = Array.from({ length: Number(args.concurrency) }, () => loop(base, token, tally, () => done, Number(args['max-requests'])));
  try {
    await during();
  } finally {
    done = true;
    await Promise.all(loops);
  }
  return tally;
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vtime-pm2-'));
  const vapid = generateVapidKeys();
  const db = await startEmbeddedPostgres({ dataDir: tmp, database: 'vtime', persistent: false });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env, PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}`,
    PM2_HOME: path.join(tmp, 'pm2'), DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(await freePort()),
    CLUSTER_WORKERS: args.instances, NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex'),
    VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:pm2-check@vtime.invalid',
    LOG_LEVEL: 'warn', SEED_DEMO_DATA: 'false', BCRYPT_COST: '8', WORKER_THREADS: '1', DB_POOL_MIN: '1', DB_POOL_MAX: '4',
    RETENTION_INTERVAL_MINUTES: '0', SHUTDOWN_TIMEOUT_MS: '5000',
  };
  try {
    const orm = await createOrm({ url: db.url, poolMin: 0, poolMax: 1 });
    await migrate(orm);
    await orm.close();
    const started = await pm2(['start', 'ecosystem.config.cjs'], env);
    if (started.code !== 0) throw new Error(`pm2 start failed (${started.code}):\n${started.out}`);
    await waitReady(base);
    const token = await register(base);
    const before = await phase(base, token, () => sleep(1500));
    let reloadMs = 0;
    const during = await phase(base, token, async () => {
      await sleep(500);
      const t0 = Date.now();
      const reloaded = await pm2(['reload', 'ecosystem.config.cjs'], env);
      reloadMs = Date.now() - t0;
      if (reloaded.code !== 0) throw new Error(`pm2 reload failed (${reloaded.code}):\n${reloaded.out}`);
      await sleep(1000);
    });
    const after = await phase(base, token, () => sleep(1500));
    return report(before, during, after, reloadMs);
  } catch (e) {
    console.error(`pm2 reload check could not run: ${(e as Error).message}`);
    const logs = await pm2(['logs', '--nostream', '--lines', '40'], env, 20_000);
    console.error(logs.out);
    return 1;
  } finally {
    await pm2(['delete', 'vtime'], env, 60_000);
    await pm2(['kill'], env, 60_000);
    await db.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function report(before: Tally, during: Tally, after: Tally, reloadMs: number): number {
  const line = (name: string, t: Tally) => `${name.padEnd(14)} sent ${String(t.sent).padStart(6)}  failed ${t.failed}  served by pids ${[...t.servedBy].sort().join(', ')}`;
  console.log([line('before reload', before), line('during reload', during), line('after reload', after)].join('\n'));
  console.log(`pm2 reload took ${reloadMs} ms`);
  const failed = before.failed + during.failed + after.failed;
  for (const t of [before, during, after]) for (const [reason, n] of t.reasons) console.log(`  failure: ${n} × ${reason}`);
  const replaced = [...after.servedBy].every((p) => !before.servedBy.has(p)) && after.servedBy.size > 0;
  console.log(`processes replaced: ${replaced ? 'yes' : 'NO'} (before ${before.servedBy.size}, after ${after.servedBy.size})`);
  console.log(`requests: ${before.sent + during.sent + after.sent} sent, ${failed} failed`);
  return failed === 0 && replaced ? 0 : 1;
}

process.exit(await main());
