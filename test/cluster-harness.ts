import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ensureDatabase, freePort } from '../src/ops/embedded.ts';
export { dropDatabase } from '../src/ops/embedded.ts';
import { createOrm, migrate } from '../src/ops/orm.ts';
import { CPU_TASK_TIMEOUT_MS } from '../src/workers/pool.ts';
import { databaseUrl } from './harness.ts';

export interface RunningCluster {
  url: string;
  /** Prometheus text: the metrics listener, not the public port. */
  metricsUrl: string;
  dbUrl: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A database of its own for a cluster test (metrics snapshots would mix with other suites'). */
export async function ownDatabase(name: string): Promise<string> {
  const u = new URL(databaseUrl());
  u.pathname = `/${name}_${process.pid}`;
  await ensureDatabase(u.toString());
  const orm = await createOrm({ url: u.toString(), poolMin: 0, poolMax: 1 });
  await migrate(orm);
  await orm.close();
  return u.toString();
}

/** Starts `node src/main.ts` (the real cluster primary) and waits until it has forked and is ready. */
export async function startCluster(dbUrl: string, env: Record<string, string> = {}): Promise<RunningCluster> {
  const port = await freePort();
  const metricsPort = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), LOGIN_MAX_FAILURES_PER_ADDRESS: '100000', CLUSTER_WORKERS: '2', SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'info', BCRYPT_COST: '8', DB_POOL_MIN: '1', DB_POOL_MAX: '6', METRICS_PUBLISH_INTERVAL_MS: '200', RETENTION_INTERVAL_MINUTES: '0', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // every cluster's log lines go to test-output/ (ignored), to read after a failure
  const logDir = path.resolve(import.meta.dirname, '../test-output/clusters');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${new URL(dbUrl).pathname.slice(1)}-${port}.log`));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => { output.push(d.toString()); if (d.toString().includes('vtime is ready')) resolve(); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    void exited.then((code) => reject(new Error(`cluster exited early (${code}): ${output.join('')}`)));
    setTimeout(() => reject(new Error(`cluster not ready in 30 s: ${output.join('')}`)), 30_000).unref();
  });
  await ready;
  return {
    url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, dbUrl, child, output, exited,
    async stop(signal = 'SIGTERM') { child.kill(signal); return exited; },
  };
}

/**
 * How long a test waits for an answer: past the service's own deadline for CPU work (then 503).
 * bcrypt runs at idle priority, so while another suite keeps both cores busy a register or PIN
 * call can take seconds.
 */
export const ANSWER_TIMEOUT_MS = CPU_TASK_TIMEOUT_MS + 2_000;

export interface Answer { status: number; servedBy: number; headers: http.IncomingHttpHeaders; body: any }

/** One request on its own connection, so the cluster's round robin spreads requests over processes. */
export function request(base: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = http.request(base + path, {
      method, agent: false,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), connection: 'close' },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* text */ }
        resolve({ status: res.statusCode ?? 0, servedBy: Number(res.headers['x-served-by']), headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${ANSWER_TIMEOUT_MS / 1000} s: ${method} ${path}`)));
    req.end(data);
  });
}
