// Finds the service at BASE_URL, or starts one the way `npm start` does (node src/main.ts) on a
// free port, against a PostgreSQL the runner controls, so that it can seed and run the baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startEmbeddedPostgres } from '../../src/ops/embedded.ts';
import { claimDataDir } from '../../src/ops/instance.ts';
import { postmasterOf } from './cpu.ts';

export interface Target {
  baseUrl: string;
  databaseUrl: string;
  /** pid of the service process we started (its process tree is the service), else null. */
  pid: number | null;
  /** pid of the postmaster serving databaseUrl (its process tree is PostgreSQL), null when not visible here. */
  postgresPid: number | null;
  logFile: string | null;
  /** The environment the service reads its settings from: the runner mints tokens with the same JWT secret. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
export const RESULTS_DIR = path.join(ROOT, 'load-tests/results');
const DATA_DIR = path.join(ROOT, '.data/load');

export async function answers(baseUrl: string): Promise<boolean> {
  try {
    const r = await fetch(new URL('/health/ready', baseUrl), { signal: AbortSignal.timeout(1500) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** A PostgreSQL for the runner: DATABASE_URL when set, else an embedded one under .data/load. */
export async function database(log: (m: string) => void): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const claim = claimDataDir(DATA_DIR, 'the npm load runner'); // one run at a time on it (a killed one's database is taken over)
  const db = await startEmbeddedPostgres({ dataDir: DATA_DIR, database: 'vtime', persistent: true, log });
  log(`embedded PostgreSQL for the load run (data in ${path.relative(ROOT, DATA_DIR)})`);
  return { url: db.url, stop: async () => { await db.stop(); claim.release(); } };
}

export async function findOrStartService(baseUrl: string, log: (m: string) => void, alwaysStart = false): Promise<Target> {
  const t = await findOrStart(baseUrl, log, alwaysStart);
  t.postgresPid = await postmasterOf(t.databaseUrl).catch(() => null);
  if (!t.postgresPid) log('note: the database\'s postmaster is not visible in /proc here, so "postgres" CPU counts every process named postgres on this machine');
  return t;
}

async function findOrStart(baseUrl: string, log: (m: string) => void, alwaysStart: boolean): Promise<Target> {
  if (!alwaysStart && (await answers(baseUrl))) {
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      throw new Error(`a service answers at ${baseUrl}, but DATABASE_URL is not set: the runner seeds viewers straight into the service's database, so give it that database's URL (or stop the service and let the runner start its own)`);
    }
    log(`using the running service at ${baseUrl} (database from DATABASE_URL)`);
    return { baseUrl, databaseUrl, pid: null, postgresPid: null, logFile: null, env: process.env, stop: async () => {} };
  }
  log(`${alwaysStart ? '--start' : `nothing answers at ${baseUrl}`}: starting the service (node src/main.ts) with its own database`);
  const db = await database(log);
  try {
    return await spawnService(db, log);
  } catch (e) {
    await db.stop();
    throw e;
  }
}

async function spawnService(db: { url: string; stop(): Promise<void> }, log: (m: string) => void): Promise<Target> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = path.join(RESULTS_DIR, `service-${Date.now()}.log`);
  const out = openSync(logFile, 'a');
  // the generator is the service's proxy: its X-Forwarded-For spreads the failed-login storm over many client addresses
  const env: NodeJS.ProcessEnv = {
    ...process.env, PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), DATA_DIR, DATABASE_URL: db.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', SEED_DEMO_DATA: 'false', TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1',
    // the alerts scenario's webhook receivers listen on this machine (127.0.0.1): a throwaway service may deliver there
    OUTBOUND_ALLOW_PRIVATE_TARGETS: 'true',
  };
  // e.g. SERVICE_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=prof': every service process (primary and workers) gets them
  if (process.env.SERVICE_NODE_OPTIONS) env.NODE_OPTIONS = process.env.SERVICE_NODE_OPTIONS;
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', out, out] });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await terminate(child);
    await db.stop();
  };
  const deadline = Date.now() + 60_000;
  while (!(await answers(baseUrl))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the service did not become ready (exit code ${child.exitCode}); its output:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`service ready at ${baseUrl} (pid ${child.pid}, log ${path.relative(ROOT, logFile)})`);
  return { baseUrl, databaseUrl: db.url, pid: child.pid ?? null, postgresPid: null, logFile, env, stop };
}

/** SIGTERM (the service drains), then SIGKILL after 15 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no output)';
  }
}
