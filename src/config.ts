import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// the development secret the repository once held: anyone can sign tokens with it, so it is refused everywhere
const PUBLISHED_DEV_SECRET = 'vtime-development-secret-change-me-0123456789';
const SECRET_FILE = 'jwt-secret';
const VAPID_FILE = 'vapid-keys.json';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** Every setting the service reads, from environment variables, validated once at start-up. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(8000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  // Prometheus text on its own listener, on the loopback interface unless told otherwise (0: any free port)
  METRICS_PORT: int(9464, 0, 65535),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For entry names the client
  TRUST_PROXY: z.string().default('').transform((v, ctx) => {
    const list = v.split(',').map((x) => x.trim()).filter(Boolean);
    for (const entry of list) if (!isIP(entry.split('/')[0])) ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR range` });
    return list;
  }),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  // outside production, when unset: made once per installation under DATA_DIR (like the demo logins)
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters')
    .refine((v) => v !== PUBLISHED_DEV_SECRET, 'this value was published in the repository; set a secret of your own').optional(),
  JWT_ISSUER: z.string().min(1).default('vtime'),
  JWT_AUDIENCE: z.string().min(1).default('vtime-api'),
  ACCESS_TOKEN_TTL_SECONDS: int(900, 60, 86400),
  REFRESH_TOKEN_TTL_DAYS: int(30, 1, 365),
  DEVICE_TOKEN_TTL_HOURS: int(168, 1, 24 * 90),
  DB_POOL_MIN: int(2, 0, 100),
  DB_POOL_MAX: int(10, 1, 200),
  // default: the cores shared out among the service processes, so the machine is not oversubscribed
  WORKER_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  WORKER_MAX_QUEUE: int(1000, 1, 100000),
  // admission control: CPU work expected to wait longer than this for a worker thread is refused at once (429 busy)
  // (a verify's answer within 2 s: this wait, its own run and the request's database work)
  WORKER_MAX_WAIT_MS: int(750, 10, 60_000),
  CLUSTER_WORKERS: int(os.availableParallelism(), 1, 64),
  BCRYPT_COST: int(12, 4, 15),
  // password attempts: failures per account and per client address within the
  // window lock further attempts for the window, doubling with each further lockout
  LOGIN_MAX_FAILURES: int(10, 2, 1000),
  LOGIN_MAX_FAILURES_PER_ADDRESS: int(30, 2, 100_000),
  LOGIN_WINDOW_MINUTES: int(15, 1, 1440),
  // group commit: heartbeats of one process per statement at most
  HEARTBEAT_MAX_BATCH: int(64, 1, 1000),
  // under load (2+ beats expected within it) a process sends heartbeat statements at most this often; 0: never waits.
  // 12 ms: at 1,000 beats/s on 2 processes, batches of ~6 (8 ms: ~4.4) cost PostgreSQL 0.21 ms a beat instead of 0.29
  // and the service 0.34 instead of 0.40, for ~3 ms more p99 (docs/benchmarks.md, engine v3)
  HEARTBEAT_PACE_MS: int(12, 0, 100),
  CONFIG_CACHE_TTL_SECONDS: int(60, 1, 3600),
  CONFIG_CACHE_MAX_ENTRIES: int(10000, 1, 1000000),
  // users, profiles and titles barely change and every change is published on the bus, so their
  // TTL is only a safety net; a long one keeps steady heartbeats at one round trip
  IDENTITY_CACHE_TTL_SECONDS: int(3600, 1, 86400),
  // 'auto': npm start forks a cluster (one process per CLUSTER_WORKERS); 'worker': this process
  // serves alone (how PM2's cluster mode and containers run it; needs DATABASE_URL)
  PROCESS_ROLE: z.enum(['auto', 'worker']).default('auto'),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 120_000),
  // on a stop signal, keep accepting this long (readiness already 503) so connections queued
  // before the signal are served, then stop accepting and drain
  SHUTDOWN_GRACE_MS: int(500, 0, 60_000),
  METRICS_PUBLISH_INTERVAL_MS: int(1000, 100, 60_000),
  // how often each process marks pending time requests whose viewing day ended as expired, and
  // closes pauses that ran out (their `expired` event comes within this)
  REQUEST_EXPIRY_INTERVAL_MS: int(30_000, 100, 3_600_000),
  RETENTION_SESSIONS_DAYS: int(90, 1, 3650),
  RETENTION_BALANCES_DAYS: int(365, 1, 3650),
  RETENTION_GRANTS_DAYS: int(365, 1, 3650),
  RETENTION_INTERVAL_MINUTES: int(60, 0, 10_080),
  RETENTION_BATCH_SIZE: int(1000, 10, 100_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_DEMO_DATA: bool.default(true),
  // parent alerts: Web Push's VAPID key pair and contact (required in production; outside it the
  // pair is made once per installation under DATA_DIR), how long a failing delivery is retried,
  // and whether private addresses are delivery targets (outside production only: tests)
  VAPID_PUBLIC_KEY: z.string().min(1).optional(),
  VAPID_PRIVATE_KEY: z.string().min(1).optional(),
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https: URL').optional(),
  ALERT_RETRY_HORIZON_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  ALERT_CONCURRENCY: int(8, 1, 100),
  OUTBOUND_ALLOW_PRIVATE_TARGETS: bool.default(false),
  // the shared test clock: a file holding the instant every process reads; never in production
  TEST_CLOCK_FILE: z.string().min(1).optional(),
}).superRefine((c, ctx) => {
  if (c.NODE_ENV === 'production' && !c.JWT_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required in production (32+ random characters); outside production one is made per installation' });
  }
  if (c.NODE_ENV === 'production') {
    for (const k of ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'] as const) {
      if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required in production (npx web-push generate-vapid-keys); outside production a pair is made per installation' });
    }
    if (!c.VAPID_SUBJECT) ctx.addIssue({ code: 'custom', path: ['VAPID_SUBJECT'], message: 'required in production: a mailto: or https: contact for the push services' });
  }
  if (c.NODE_ENV === 'production' && c.TEST_CLOCK_FILE) {
    ctx.addIssue({ code: 'custom', path: ['TEST_CLOCK_FILE'], message: 'the test clock cannot be enabled in production' });
  }
  if (c.DB_POOL_MIN > c.DB_POOL_MAX) {
    ctx.addIssue({ code: 'custom', path: ['DB_POOL_MIN'], message: 'must not exceed DB_POOL_MAX' });
  }
});

export type Config = Omit<z.infer<typeof configSchema>, 'WORKER_THREADS' | 'JWT_SECRET' | 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'VAPID_SUBJECT'>
  & { WORKER_THREADS: number; JWT_SECRET: string; VAPID_PUBLIC_KEY: string; VAPID_PRIVATE_KEY: string; VAPID_SUBJECT: string };

export class ConfigError extends Error {}

/** Parses the environment once; the message names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (result.success) {
    const c = result.data;
    return {
      ...c, WORKER_THREADS: c.WORKER_THREADS ?? Math.max(1, Math.ceil(os.availableParallelism() / c.CLUSTER_WORKERS)),
      JWT_SECRET: c.JWT_SECRET ?? installationSecret(c.DATA_DIR),
      VAPID_SUBJECT: c.VAPID_SUBJECT ?? 'mailto:alerts@vtime.invalid',
      ...(c.VAPID_PUBLIC_KEY && c.VAPID_PRIVATE_KEY ? { VAPID_PUBLIC_KEY: c.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: c.VAPID_PRIVATE_KEY } : vapidOf(installationVapid(c.DATA_DIR))),
    };
  }
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/**
 * A file of this installation's, kept in DATA_DIR (mode 0600) and made by whichever process comes
 * first: written aside, then linked into place, so a process never reads half a file.
 */
function installationFile<T>(dataDir: string, name: string, make: () => string, read: (text: string, file: string) => T): T {
  const file = path.join(dataDir, name);
  try {
    return read(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, make(), { mode: 0o600 });
  try {
    linkSync(aside, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first
  } finally {
    unlinkSync(aside);
  }
  return read(readFileSync(file, 'utf8'), file);
}

/** This installation's JWT secret (outside production, when JWT_SECRET is unset). */
export function installationSecret(dataDir: string): string {
  return installationFile(dataDir, SECRET_FILE, () => `${randomBytes(48).toString('base64url')}\n`, (text, file) => {
    const secret = text.trim();
    if (secret.length < 32) throw new ConfigError(`invalid configuration:\n  JWT_SECRET: ${file} holds fewer than 32 characters; delete it to make a new one`);
    return secret;
  });
}

/** This installation's VAPID key pair for Web Push (outside production, when VAPID_* are unset): made once, like the JWT secret. */
export function installationVapid(dataDir: string): { publicKey: string; privateKey: string } {
  return installationFile(dataDir, VAPID_FILE, () => `${JSON.stringify(generateVapidKeys())}\n`, (text, file) => {
    const keys = JSON.parse(text) as { publicKey?: string; privateKey?: string };
    if (!keys.publicKey || !keys.privateKey) throw new ConfigError(`invalid configuration:\n  VAPID_PUBLIC_KEY: ${file} holds no key pair; delete it to make a new one`);
    return { publicKey: keys.publicKey, privateKey: keys.privateKey };
  });
}

/** A VAPID key pair (P-256, URL-safe base64 without padding: the raw public point and private scalar), as web-push expects them. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = publicKey.export({ format: 'jwk' });
  const raw = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x!, 'base64url'), Buffer.from(pub.y!, 'base64url')]);
  return { publicKey: raw.toString('base64url'), privateKey: Buffer.from(jwk.d!, 'base64url').toString('base64url') };
}

const vapidOf = (k: { publicKey: string; privateKey: string }) => ({ VAPID_PUBLIC_KEY: k.publicKey, VAPID_PRIVATE_KEY: k.privateKey });

/** TRUST_PROXY as a BlockList (addresses and CIDR ranges, IPv4 and IPv6). */
export function trustedProxies(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}
