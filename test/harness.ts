import { randomBytes, randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../src/config.ts';
import type { RequestRecord } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { startService, type Service, type ServiceOptions } from '../src/main.ts';

export const databaseUrl = (): string => {
  const url = process.env.VTIME_TEST_DATABASE_URL;
  if (!url) throw new Error('VTIME_TEST_DATABASE_URL is not set: run through npm test (jest global setup)');
  return url;
};

// one secret per test file (service and test share it), never a file in the working tree
const TEST_SECRET = randomBytes(32).toString('hex');

/**
 * Settings for tests: cheaper password hashing (PINs stay at cost 12), small pools, quiet logs,
 * Prometheus on any free port; every suite logs in from 127.0.0.1, so the per-address login
 * limit is high unless a suite sets its own.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, BCRYPT_COST: '8', WORKER_THREADS: '1', DB_POOL_MIN: '1', DB_POOL_MAX: '8', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '0',
    METRICS_PORT: '0', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000', ...env,
  });
}

export interface TestService extends Service {
  requests: RequestRecord[];
  logLines: Record<string, unknown>[];
}

/** A real service on a real port, on the shared test database; records requests and log lines. */
export async function startTestService(env: Record<string, string> = {}, opts: Partial<ServiceOptions> = {}): Promise<TestService> {
  const requests: RequestRecord[] = [];
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) logLines.push(JSON.parse(l)); cb(); } });
  const config = testConfig(env);
  const service = await startService(config, {
    databaseUrl: databaseUrl(), port: 0, host: '127.0.0.1', logger: createLogger(config.LOG_LEVEL, sink),
    onRequest: (r) => requests.push(r), publishMetrics: false, ...opts,
  });
  return Object.assign(service, { requests, logLines });
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** HTTP client for tests; fails loudly if any response ever carries a stack trace. */
export function client(baseUrl: string) {
  return async function call<T = any>(method: string, path: string, opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    if (/\n\s+at .+:\d+:\d+/.test(text) || /"stack"/.test(text)) throw new Error(`response carries a stack trace: ${text}`);
    let parsed: unknown = undefined;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
}

export const uniqueEmail = (tag = 'user') => `${tag}-${randomUUID()}@test.vtime.example`;

/** Registers a fresh household and returns its tokens. */
export async function newHousehold(api: ReturnType<typeof client>, extra: Record<string, unknown> = {}) {
  const email = uniqueEmail();
  const password = 'correct horse battery';
  const r = await api('POST', '/api/v1/auth/register', { body: { email, password, ...extra } });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${r.text}`);
  return { email, password, access: r.body.access_token as string, refresh: r.body.refresh_token as string };
}

/**
 * A clock tests can move; the service reads time only from it. With a file it is the shared test
 * clock of SPEC §6: a cluster started with TEST_CLOCK_FILE reads the same instant in every process.
 */
export class TestClock {
  #t: number;
  readonly file: string | null;
  constructor(iso: string, file: string | null = null) {
    this.file = file;
    this.#t = Date.parse(iso);
    this.#write();
  }
  get t(): number {
    return this.#t;
  }
  now(): Date {
    return new Date(this.#t);
  }
  set(iso: string): void {
    this.#t = Date.parse(iso);
    this.#write();
  }
  advance(seconds: number): void {
    this.#t += seconds * 1000;
    this.#write();
  }
  /** Written beside the file and renamed over it: a process reading the clock never sees it half-written (empty). */
  #write(): void {
    if (!this.file) return;
    const next = `${this.file}.next`;
    writeFileSync(next, new Date(this.#t).toISOString());
    renameSync(next, this.file);
  }
}

/** Deterministic pseudo-random numbers (mulberry32) so simulations are repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`
 * (a deadline, never a fixed sleep: a slow machine only waits longer, a fast one moves on).
 */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
