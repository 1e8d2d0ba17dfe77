// Cluster primary: prepares the database once, forks one service process per CLUSTER_WORKERS,
// replaces any that dies (with back-off, so a crash loop does not spin) and drains on signals.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import { resolveDatabase } from './ops/database.ts';
import { AlreadyRunning } from './ops/instance.ts';
import { prepareDatabase, startRetention } from './ops/prepare.ts';
import type { DemoLogins } from './ops/seed.ts';
import { createLogger, type Logger } from './logger.ts';

const CRASH_WINDOW_MS = 60_000;

function printWelcome(config: Config, workers: number, logins: DemoLogins | null): void {
  const url = `http://localhost:${config.PORT}`;
  const lines = ['', `vtime is ready on ${url} with ${workers} processes  (parent console ${url}/console/, API reference ${url}/docs, API ${url}/api/v1)`];
  if (logins) {
    lines.push(
      `  parent login: ${logins.parent.email} / ${logins.parent.password}   parental PIN: ${logins.parent.pin}`,
      `  admin login:  ${logins.admin.email} / ${logins.admin.password}`,
      `  try: curl -s ${url}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"${logins.parent.email}","password":"${logins.parent.password}"}'`,
    );
  }
  lines.push('  stop with Ctrl-C (in-flight requests are finished first)', '');
  console.log(lines.join('\n'));
}

/** Forks and supervises the service processes. */
class Supervisor {
  readonly #log: Logger;
  readonly #env: Record<string, string>;
  readonly #recentCrashes: number[] = [];
  #stopping = false;

  constructor(log: Logger, env: Record<string, string>) {
    this.#log = log;
    this.#env = env;
    cluster.on('exit', (w, code, signal) => this.#exited(w, code, signal));
  }

  fork(): Promise<void> {
    const worker = cluster.fork(this.#env);
    return new Promise((resolve) => worker.on('message', (m) => { if (m === 'ready') resolve(); }));
  }

  #exited(worker: Worker, code: number | null, signal: string | null): void {
    if (this.#stopping) return;
    const now = Date.now();
    this.#recentCrashes.push(now);
    while (this.#recentCrashes[0] < now - CRASH_WINDOW_MS) this.#recentCrashes.shift();
    const delay = Math.min(30_000, 250 * 2 ** (this.#recentCrashes.length - 1));
    this.#log.warn({ pid: worker.process.pid, code, signal, restartInMs: delay }, 'service process died; replacing it');
    setTimeout(() => { if (!this.#stopping) void this.fork(); }, delay);
  }

  /** Asks every process to drain; those still alive after the timeout are killed. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    await Promise.all(alive.map((w) => new Promise<void>((resolve) => {
      const kill = setTimeout(() => w.process.kill('SIGKILL'), timeoutMs);
      w.once('exit', () => { clearTimeout(kill); resolve(); });
      if (w.isConnected()) w.send('shutdown'); // a process that already got the terminal's SIGINT may be gone
    })));
  }
}

export async function runPrimary(config: Config): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL).child({ role: 'primary' });
  // an embedded database's data directory is claimed (vtime.pid): a second start names this one
  const db = await resolveDatabase(config, (m) => logger.info(m), `http://localhost:${config.PORT}`).catch((e: unknown) => {
    if (e instanceof AlreadyRunning) { console.error(e.message); process.exit(1); }
    throw e;
  });
  const logins = await prepareDatabase(config, db.url, logger, config.SEED_DEMO_DATA).catch(async (e: unknown) => {
    await db.stop(); // an embedded database is not left running behind a start that failed
    throw e;
  });
  const supervisor = new Supervisor(logger, {
    DATABASE_URL: db.url, PROCESS_ROLE: 'worker', VTIME_SERVICE_STARTED_AT: new Date().toISOString(), VTIME_FORKED_BY_PRIMARY: '1',
  });
  await Promise.all(Array.from({ length: config.CLUSTER_WORKERS }, () => supervisor.fork()));
  const retention = startRetention(config, db.url, logger);
  printWelcome(config, config.CLUSTER_WORKERS, logins);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: draining service processes');
    await supervisor.stop(config.SHUTDOWN_TIMEOUT_MS + 2_000);
    await retention.stop();
    await db.stop(); // last: every process that used it has finished
    logger.info('stopped');
    process.exit(0);
  };
  // SIGHUP: the terminal was closed; drain and stop the database as on Ctrl-C rather than die
  // with it running
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
}
