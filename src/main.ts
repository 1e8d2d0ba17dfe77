// Composition root: config → logger → database → ORM → migrations → worker pool → app → listen.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import type { Pool } from 'pg';
import { loadConfig, ConfigError, trustedProxies, type Config } from './config.ts';
import { runPrimary } from './cluster.ts';
import { NotifyBridge } from './ops/notify-bridge.ts';
import { createOrm, databaseAnswers, warmPool, type MikroORM } from './ops/orm.ts';
import { prepareDatabase, startRetention } from './ops/prepare.ts';
import { totalDbRoundTrips } from './db/query-counter.ts';
import { ClusterMetrics } from './domain/metrics/cluster-metrics.ts';
import { ProcessMetrics } from './domain/metrics/process-metrics.ts';
import { PauseService } from './domain/parental-controls/pause-service.ts';
import { AccountsService } from './domain/accounts/accounts-service.ts';
import { IdentityService } from './domain/accounts/identity.ts';
import { TokenService } from './domain/accounts/tokens.ts';
import { LoginSessions } from './domain/accounts/login-sessions.ts';
import { Devices } from './domain/accounts/devices.ts';
import { CatalogService } from './domain/catalog/catalog-service.ts';
import { fileClock, systemClock, type Clock } from './domain/shared/clock.ts';
import { InvalidationBus } from './domain/shared/invalidation-bus.ts';
import { ConfigService } from './domain/viewing-time/config-service.ts';
import { Today } from './domain/viewing-time/today.ts';
import { ViewingTimeService } from './domain/viewing-time/viewing-time-service.ts';
import { createApp, type RequestRecord } from './http/app.ts';
import { Idempotency } from './http/idempotency.ts';
import { dbAnswers } from './db/db-errors.ts';
import { createMetricsServer } from './http/metrics-server.ts';
import { authRoutes } from './http/routes/auth.ts';
import { healthRoutes } from './http/routes/health.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { titleRoutes } from './http/routes/titles.ts';
import { viewingTimeRoutes } from './http/routes/viewing-time.ts';
import { docsRoutes } from './http/routes/docs.ts';
import { landingRoutes } from './http/routes/landing.ts';
import { consoleRoutes } from './http/routes/console.ts';
import { deviceRoutes } from './http/routes/devices.ts';
import { parentalRoutes } from './http/routes/parental-controls.ts';
import { GrantsService } from './domain/parental-controls/grants-service.ts';
import { PinService } from './domain/parental-controls/pin-service.ts';
import { ReportsService } from './domain/parental-controls/reports-service.ts';
import { SettingsService } from './domain/parental-controls/settings-service.ts';
import { EventHub } from './domain/live-events/event-hub.ts';
import { TimeRequestsService } from './domain/parental-controls/time-requests-service.ts';
import { AlertQueue } from './domain/alerts/alert-queue.ts';
import { AlertsService } from './domain/alerts/alerts-service.ts';
import { alertRoutes } from './http/routes/alerts.ts';
import { eventRoutes } from './http/routes/events.ts';
import { timeRequestRoutes } from './http/routes/time-requests.ts';
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
  /** Publish this process's metrics snapshot periodically (off in in-process tests). */
  publishMetrics?: boolean;
}

export interface Service {
  url: string;
  /** Prometheus text (GET /metrics), on its own listener. */
  metricsUrl: string;
  server: http.Server;
  orm: MikroORM;
  pool: WorkerPool;
  bus: InvalidationBus;
  identity: IdentityService;
  configs: ConfigService;
  pins: PinService;
  accounts: AccountsService;
  devices: Devices;
  bridge: NotifyBridge;
  metrics: ClusterMetrics;
  /** Graceful: stop accepting, finish in-flight requests (bounded), then close pools. */
  close(timeoutMs?: number): Promise<void>;
}


/** Wires one service process and listens; used by main and by the component tests. */
export async function startService(config: Config, opts: ServiceOptions): Promise<Service> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const orm = await createOrm({ url: opts.databaseUrl, poolMin: config.DB_POOL_MIN, poolMax: config.DB_POOL_MAX });
  await warmPool(orm, config.DB_POOL_MIN);
  const pool = new WorkerPool({ threads: config.WORKER_THREADS, maxQueue: config.WORKER_MAX_QUEUE, maxWaitMs: config.WORKER_MAX_WAIT_MS });
  const bus = new InvalidationBus();
  bus.subscribe((m) => logger.info({ invalidation: m }, 'cache invalidated'));
  const cacheOpts = { max: config.CONFIG_CACHE_MAX_ENTRIES, ttlMs: config.CONFIG_CACHE_TTL_SECONDS * 1000 };
  const identityCacheOpts = { max: config.CONFIG_CACHE_MAX_ENTRIES, ttlMs: config.IDENTITY_CACHE_TTL_SECONDS * 1000 };
  const tokens = new TokenService({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    deviceTtlSeconds: config.DEVICE_TOKEN_TTL_HOURS * 3600 });
  const identity = new IdentityService(orm.em, bus, identityCacheOpts);
  const clock = opts.clock ?? (config.TEST_CLOCK_FILE ? fileClock(config.TEST_CLOCK_FILE) : systemClock);
  const configs = new ConfigService(orm.em, bus, clock, cacheOpts);
  const devices = new Devices({ em: orm.em, bus, clock });
  await devices.start();
  const accounts = new AccountsService({ em: orm.em, cpu: pool, tokens, bcryptCost: config.BCRYPT_COST, refreshTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
    limits: { perAccount: config.LOGIN_MAX_FAILURES, perAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS, windowMinutes: config.LOGIN_WINDOW_MINUTES }, devices, bus,
    kidsProfileCreated: (em, profile, timezone) => configs.createDefaults(em, profile, timezone) });
  const catalog = new CatalogService(orm.em);
  const pins = new PinService({ em: orm.em, cpu: pool, tokens, sessions: new LoginSessions(orm.em), clock, passwordCost: config.BCRYPT_COST, devices });
  const pgPool = (await orm.em.getConnection().getNativeClient()) as Pool;
  let hub: EventHub | undefined;
  let requests: TimeRequestsService | undefined;
  let viewingTime: ViewingTimeService | undefined;
  let alertStats: { stats: { delivered: number; failed: number } } | undefined;
  const idempotency = new Idempotency({ em: orm.em, clock });
  const local = new ProcessMetrics({
    openStreams: () => hub?.openStreams ?? 0, timeRequests: () => requests?.stats ?? { approved: 0, denied: 0 },
    familyRules: () => viewingTime?.familyRules ?? { breaksStarted: 0, gracesStarted: 0, overtimeSeconds: 0, bankSpentSeconds: 0 }, idempotency: () => idempotency.stats, db: () => dbAnswers,
    alerts: () => alertStats?.stats ?? { delivered: 0, failed: 0 },
    configCache: () => configs.stats(), pin: () => pins.stats, login: () => accounts.stats, workerPool: () => pool.stats(), dbRoundTrips: totalDbRoundTrips,
    dbPool: () => ({ total: pgPool.totalCount, idle: pgPool.idleCount, waiting: pgPool.waitingCount, max: config.DB_POOL_MAX }),
  });
  const today = new Today(configs, config.CONFIG_CACHE_MAX_ENTRIES);
  viewingTime = new ViewingTimeService({
    em: orm.em, identity, today, clock, maxBatch: config.HEARTBEAT_MAX_BATCH, paceMs: config.HEARTBEAT_PACE_MS, log: logger,
    onStatement: (beats) => local.observeHeartbeatStatement(beats),
  });
  const pauses = new PauseService({ em: orm.em, pins, clock });
  const settings = new SettingsService({ identity, configs, pins, pauses });
  const grants = new GrantsService({ em: orm.em, identity, configs, pins, clock, today });
  const reports = new ReportsService({ em: orm.em, identity, configs, cpu: pool, clock });
  requests = new TimeRequestsService({ em: orm.em, identity, configs, pins, grants, clock, today });
  let draining = false;
  const serviceStartedAt = process.env.VTIME_SERVICE_STARTED_AT ? new Date(process.env.VTIME_SERVICE_STARTED_AT) : local.startedAt;
  const metrics = new ClusterMetrics({
    em: orm.em, local, serviceStartedAt, publishIntervalMs: config.METRICS_PUBLISH_INTERVAL_MS, databaseFigures: async () => {
      const queue = await alertQueue.pending();
      return { pendingRequests: await requests.pendingCount(), pausesActive: await pauses.activeCount(), alertQueueDepth: queue.depth, alertOldestJobSeconds: queue.oldestSeconds };
    },
  });
  // parent alerts: events become delivery jobs (pg-boss), worked on by every process
  const policy = { production: config.NODE_ENV === 'production', allowPrivate: config.OUTBOUND_ALLOW_PRIVATE_TARGETS };
  const alertQueue = new AlertQueue({
    em: orm.em, databaseUrl: opts.databaseUrl, log: logger, policy, horizonHours: config.ALERT_RETRY_HORIZON_HOURS, concurrency: config.ALERT_CONCURRENCY,
    vapid: { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT },
  });
  await alertQueue.start();
  alertStats = alertQueue;
  const alerts = new AlertsService({ em: orm.em, clock, authorize: (p, proof) => pins.authorize(p, proof), policy, queue: alertQueue, vapidPublicKey: config.VAPID_PUBLIC_KEY });
  // a login that ended (logout, revocation) takes its push subscriptions along
  bus.subscribe((m) => {
    if (m.entity === 'login') void alerts.loginEnded(m.id).catch((err: Error) => logger.warn({ err: err.message }, 'push subscriptions of an ended login not removed'));
  });
  const bridge = new NotifyBridge({ url: opts.databaseUrl, bus, log: logger, origin: local.processKey });
  await bridge.start();
  // live events: a NOTIFY carries the newest id; after a listener reconnect the hub reads what it missed
  hub = new EventHub({ em: orm.em, bus, processKey: local.processKey, freshSeconds: metrics.freshSeconds, onDelivered: (ms) => local.observeEventDelivery(ms),
    onError: (err) => logger.warn({ err: err.message }, 'live events not read; the next notification retries') });
  const events = hub;
  await bridge.listen('vtime_events', {
    notify: (newest) => { events.wake(newest); alertQueue.wake(); }, reconnected: () => { events.wake(null); alertQueue.wake(); },
  });
  await events.start();
  // a pending request whose viewing day ended expires, and a pause that ran out ends, each with its
  // event, even when nobody looks
  const expiry = setInterval(() => {
    requests.expireDue().catch((err: Error) => logger.warn({ err: err.message }, 'time requests not expired'));
    pauses.expireDue().catch((err: Error) => logger.warn({ err: err.message }, 'pauses that ran out not closed'));
  }, config.REQUEST_EXPIRY_INTERVAL_MS);
  expiry.unref();
  const onRequest = (r: RequestRecord) => {
    local.observe({ path: r.path, method: r.method, status: r.status, ms: r.ms, dbOps: r.ops.count });
    opts.onRequest?.(r);
  };
  const app = createApp({
    logger, orm, tokens, identity, devices, idempotency, version: VERSION, onRequest,
    apiRoutes: [
      ...authRoutes(accounts, trustedProxies(config.TRUST_PROXY)), ...deviceRoutes(accounts, pins, devices), ...titleRoutes(catalog), ...viewingTimeRoutes(viewingTime),
      ...parentalRoutes({ pins, settings, grants, reports, pauses }), ...timeRequestRoutes(requests), ...eventRoutes({ hub: events, identity, tokens }),
      ...alertRoutes(alerts),
    ],
    rootRoutes: [
      ...healthRoutes(async () => (draining ? 'draining' : (await databaseAnswers(orm)) ? 'ready' : 'database_unavailable')),
      ...metricsRoutes(metrics),
      ...landingRoutes(VERSION), ...docsRoutes('/api/v1/openapi.json'), ...consoleRoutes(),
    ],
  });
  const handler = app.callback();
  // while draining, answers close their connection so keep-alive clients move to another process
  // headers within 10 s, a whole request within 30 s. Node checks them every interval (by
  // default only every 30 s), so each limit is set one interval short: a slow client is closed by
  // 10 s (30 s). A streamed response (SSE) is not bounded once its request has fully arrived.
  const server = http.createServer({ headersTimeout: 9_500, requestTimeout: 29_500, connectionsCheckingInterval: 500 }, (req, res) => {
    res.setHeader('X-Served-By', String(process.pid)); // which process answered: for SREs and the cluster tests
    if (draining) res.setHeader('Connection', 'close');
    void handler(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? config.PORT, opts.host ?? config.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const metricsServer = createMetricsServer(metrics, logger);
  await new Promise<void>((resolve) => metricsServer.listen(config.METRICS_PORT, config.METRICS_HOST, resolve));
  const metricsAddress = metricsServer.address() as AddressInfo;
  const publisher = opts.publishMetrics === false ? null : setInterval(() => {
    metrics.publish().catch((err) => logger.warn({ err: err.message }, 'metrics snapshot not published'));
  }, config.METRICS_PUBLISH_INTERVAL_MS);
  publisher?.unref();
  const close = async (timeoutMs = config.SHUTDOWN_TIMEOUT_MS) => {
    draining = true;
    if (publisher) clearInterval(publisher);
    clearInterval(expiry);
    metricsServer.close();
    metricsServer.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS));
    const closed = new Promise<void>((resolve) => {
      // (not http-terminator: it destroys a socket whose request has not been read yet as idle, and
      // that request is lost; this drain answers it) net's close, not http's: http's would also drop "idle" sockets, which includes connections
      // just accepted whose request has not been read yet; idle keep-alive sockets go a bit later
      net.Server.prototype.close.call(server, () => { clearInterval(sweep); resolve(); });
      const sweep = setInterval(() => server.closeIdleConnections(), 500);
      setTimeout(() => server.closeAllConnections(), timeoutMs).unref();
    });
    // no new connection comes here now (under a cluster the primary stops sending them), so live
    // streams end with a final event and their clients reconnect to another process, resuming by id
    await events.drain();
    await closed;
    await metrics.withdraw().catch(() => {});
    await devices.stop();
    local.stop();
    await alertQueue.stop();
    await bridge.stop();
    await pool.close();
    await orm.close();
  };
  const metricsUrl = `http://${metricsAddress.family === 'IPv6' ? `[${metricsAddress.address}]` : metricsAddress.address}:${metricsAddress.port}/metrics`;
  return { url: `http://127.0.0.1:${port}`, metricsUrl, server, orm, pool, bus, identity, configs, pins, accounts, devices, bridge, metrics, close };
}

/** One service process: under our cluster, PM2's cluster mode, or alone in a container. */
async function runWorker(config: Config): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL);
  const url = config.DATABASE_URL;
  if (!url) {
    logger.fatal('DATABASE_URL is required for PROCESS_ROLE=worker (npm start without it runs the embedded database and a cluster)');
    process.exit(2);
  }
  // our own primary migrated already and runs retention; alone (PM2's cluster mode, containers)
  // each process does both, under advisory locks
  const alone = !process.env.VTIME_FORKED_BY_PRIMARY;
  if (alone) await prepareDatabase(config, url, logger, false);
  const retention = alone ? startRetention(config, url, logger) : null;
  const service = await startService(config, { databaseUrl: url, logger });
  logger.info({ url: service.url, pid: process.pid }, 'ready');
  process.send?.('ready'); // the cluster primary, or PM2's wait_ready, count this process in
  // close-with-grace: a signal (SIGHUP: the terminal closed), the primary's 'shutdown' or an uncaught
  // error drains once, then the process exits (0 when drained, 1 after an error or past the deadline);
  // another signal meanwhile changes nothing (a terminal's Ctrl-C reaches the primary and us both)
  const grace = closeWithGrace({
    delay: config.SHUTDOWN_TIMEOUT_MS + 2_000, logger: { error: (m: unknown) => logger.error({ err: m }, 'could not drain in time') },
    onSecondSignal: (signal: string) => logger.info({ signal }, 'already draining'),
  }, async ({ signal, err, manual }) => {
    if (err) logger.error({ err }, 'uncaught error: draining, then exiting');
    logger.info({ reason: signal ?? (manual ? 'shutdown from primary' : 'error') }, 'draining: no new connections, finishing in-flight requests');
    await retention?.stop();
    await service.close();
    logger.info('stopped');
  });
  process.on('message', (m) => { if (m === 'shutdown') void grace.close(); });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) { console.error(e.message); process.exit(2); }
    throw e;
  }
  if (cluster.isPrimary && config.PROCESS_ROLE === 'auto') await runPrimary(config);
  else await runWorker(config);
}

// PM2's cluster mode loads this file with import(), so import.meta.main is false there
if (import.meta.main || process.env.pm_id !== undefined) {
  await main().catch((e: unknown) => {
    console.error(`vtime could not start: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  });
}
