// Composition root: config → logger → database → ORM → migrations → worker pool → app → listen.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestContext } from '@mikro-orm/core';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { resolveDatabase, type Database } from './db/database.ts';
import { createOrm, warmPool, type MikroORM } from './db/orm.ts';
import { seedDemo } from './db/seed.ts';
import { AccountsService } from './domain/accounts/accounts-service.ts';
import { IdentityService } from './domain/accounts/identity.ts';
import { TokenService } from './domain/accounts/tokens.ts';
import { CatalogService } from './domain/catalog/catalog-service.ts';
import { TitleCache } from './domain/catalog/title-cache.ts';
import { systemClock, type Clock } from './domain/shared/clock.ts';
import { InvalidationBus } from './domain/shared/invalidation-bus.ts';
import { ConfigService } from './domain/viewing-time/config-service.ts';
import { PlayerContext } from './domain/viewing-time/player-context.ts';
import { ViewingTimeService } from './domain/viewing-time/viewing-time-service.ts';
import { createApp, type RequestRecord } from './http/app.ts';
import { authRoutes } from './http/routes/auth.ts';
import { healthRoutes } from './http/routes/health.ts';
import { titleRoutes } from './http/routes/titles.ts';
import { viewingTimeRoutes } from './http/routes/viewing-time.ts';
import { deviceRoutes } from './http/routes/devices.ts';
import { parentalRoutes } from './http/routes/parental-controls.ts';
import { GrantsService } from './domain/parental-controls/grants-service.ts';
import { PinService } from './domain/parental-controls/pin-service.ts';
import { ReportsService } from './domain/parental-controls/reports-service.ts';
import { SettingsService } from './domain/parental-controls/settings-service.ts';
import { createLogger, type Logger } from './logger.ts';
import { WorkerPool } from './workers/pool.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface ServiceOptions {
  databaseUrl: string;
  logger?: Logger;
  clock?: Clock;
  port?: number;
  host?: string;
  onRequest?: (r: RequestRecord) => void;
}

export interface Service {
  url: string;
  server: http.Server;
  orm: MikroORM;
  pool: WorkerPool;
  bus: InvalidationBus;
  identity: IdentityService;
  configs: ConfigService;
  titles: TitleCache;
  pins: PinService;
  close(): Promise<void>;
}

async function dbReady(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}

/** Wires one service process and listens; used by main and by the component tests. */
export async function startService(config: Config, opts: ServiceOptions): Promise<Service> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const orm = await createOrm({ url: opts.databaseUrl, poolMin: config.DB_POOL_MIN, poolMax: config.DB_POOL_MAX });
  await warmPool(orm, config.DB_POOL_MIN);
  const pool = new WorkerPool({ threads: config.WORKER_THREADS, maxQueue: config.WORKER_MAX_QUEUE });
  const bus = new InvalidationBus();
  const cacheOpts = { max: config.CONFIG_CACHE_MAX_ENTRIES, ttlMs: config.CONFIG_CACHE_TTL_SECONDS * 1000 };
  const tokens = new TokenService({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    deviceTtlSeconds: config.DEVICE_TOKEN_TTL_HOURS * 3600 });
  const identity = new IdentityService(orm.em, bus, cacheOpts);
  const accounts = new AccountsService({ em: orm.em, cpu: pool, tokens, bus, bcryptCost: config.BCRYPT_COST, refreshTtlDays: config.REFRESH_TOKEN_TTL_DAYS });
  const catalog = new CatalogService(orm.em, bus);
  const clock = opts.clock ?? systemClock;
  const configs = new ConfigService(orm.em, bus, clock, cacheOpts);
  const titles = new TitleCache(orm.em, bus, cacheOpts);
  const player = new PlayerContext({ em: orm.em, identity, configs, titles });
  const viewingTime = new ViewingTimeService({ em: orm.em, player, identity, clock });
  const pins = new PinService({ em: orm.em, cpu: pool, tokens, clock });
  const settings = new SettingsService({ identity, configs, pins });
  const grants = new GrantsService({ em: orm.em, identity, configs, pins, clock });
  const reports = new ReportsService({ em: orm.em, identity, configs, cpu: pool, clock });
  const app = createApp({
    logger, orm, tokens, identity, version: VERSION, onRequest: opts.onRequest,
    apiRoutes: [
      ...authRoutes(accounts), ...deviceRoutes(accounts, pins), ...titleRoutes(catalog), ...viewingTimeRoutes(viewingTime),
      ...parentalRoutes({ pins, settings, grants, reports }),
    ],
    rootRoutes: healthRoutes(() => dbReady(orm)),
  });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? config.PORT, opts.host ?? config.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeIdleConnections(); });
    await pool.close();
    await orm.close();
  };
  return { url: `http://127.0.0.1:${port}`, server, orm, pool, bus, identity, configs, titles, pins, close };
}

async function prepareDatabase(config: Config, db: Database, logger: Logger): Promise<void> {
  const orm = await createOrm({ url: db.url, poolMin: 0, poolMax: 2 });
  try {
    const applied = await orm.migrator.up();
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    if (!config.SEED_DEMO_DATA) return;
    const pool = new WorkerPool({ threads: config.WORKER_THREADS, maxQueue: 100 });
    try {
      const { created, logins } = await RequestContext.create(orm.em, () => seedDemo(orm.em, pool, { dataDir: config.DATA_DIR, bcryptCost: config.BCRYPT_COST }));
      if (created) logger.info('demo data seeded');
      printWelcome(config, logins);
    } finally {
      await pool.close();
    }
  } finally {
    await orm.close();
  }
}

function printWelcome(config: Config, logins: Awaited<ReturnType<typeof seedDemo>>['logins']): void {
  const url = `http://localhost:${config.PORT}`;
  console.log([
    '', `vtime is starting on ${url}  (API under ${url}/api/v1, description at ${url}/api/v1/openapi.json)`,
    `  parent login: ${logins.parent.email} / ${logins.parent.password}   parental PIN: ${logins.parent.pin}`,
    `  admin login:  ${logins.admin.email} / ${logins.admin.password}`,
    `  try: curl -s ${url}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"${logins.parent.email}","password":"${logins.parent.password}"}'`, '',
  ].join('\n'));
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) { console.error(e.message); process.exit(2); }
    throw e;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const db = await resolveDatabase(config, (m) => logger.info(m));
  await prepareDatabase(config, db, logger);
  const service = await startService(config, { databaseUrl: db.url, logger });
  logger.info({ url: service.url, pid: process.pid }, 'ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await service.close();
    await db.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (import.meta.main) await main();
