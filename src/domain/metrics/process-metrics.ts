import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram as PromHistogram, Registry } from 'prom-client';
import type { CacheStats } from '../shared/cached-loader.ts';
import { encode, newHistogram, type Histogram } from './histogram.ts';

export interface MetricSources {
  configCache(): CacheStats;
  pin(): { verifications: number; failures: number; lockouts: number };
  login(): { attempts: number; checks: number; failures: number; throttled: number };
  workerPool(): { threads: number; queueSize: number; utilization: number; refused: number };
  dbPool(): { total: number; idle: number; waiting: number; max: number };
  dbRoundTrips(): number;
  /** Live streams open on this process. */
  openStreams(): number;
  /** Time requests this process answered. */
  timeRequests(): { approved: number; denied: number };
  /** What the family rules did in this process's heartbeats. */
  familyRules(): { breaksStarted: number; gracesStarted: number; overtimeSeconds: number; bankSpentSeconds: number };
  /** Idempotency-Key repeats this process answered: replayed, or refused (409 in progress, 422 another body). */
  idempotency?(): { replays: number; conflicts: number };
  /** Alert deliveries this process's workers made: delivered, and failed for good. */
  alerts?(): { delivered: number; failed: number };
  /** Database availability as this process saw it: 503s for it, in-doubt batches sent again, the server answering. */
  db?(): { unavailable503: number; inDoubtRetries: number; primaryAddress: string | null };
}

export interface RequestObservation {
  path: string;
  method: string;
  status: number;
  ms: number;
  dbOps: number;
}

const HEARTBEAT = '/api/v1/viewing-time/heartbeat';
const REPORT = '/api/v1/parental-controls/weekly-report';
const LAG_RESOLUTION_MS = 20;

/** What one process has seen since it started; snapshots of it are merged cluster-wide. */
export class ProcessMetrics {
  readonly processKey = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly startedAt = new Date();
  readonly registry = new Registry();
  readonly #src: MetricSources;
  readonly #heartbeat = { count: 0, dbOps: 0, hist: newHistogram() };
  // heartbeat statements (group commit) and how many beats each carried
  readonly #statements = { count: 0, bySize: [] as number[] }; // bySize[n]: statements that carried n beats
  readonly #promBatch: PromHistogram;
  readonly #report = { count: 0, queries: 0, hist: newHistogram() };
  readonly #requests = { total: 0, errors4xx: 0, errors5xx: 0 };
  readonly #eventLoop: Histogram = newHistogram();
  // live events written to a stream, and commit → socket-write latency
  readonly #events = { delivered: 0, hist: newHistogram() };
  readonly #promDelivery: PromHistogram;
  readonly #promHeartbeat: PromHistogram;
  readonly #promRequests: Counter;
  // Node's own event-loop delay sampler; its figures move into #eventLoop (mergeable across processes) at each read
  readonly #lag: ELDHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });

  constructor(src: MetricSources) {
    this.#src = src;
    this.#promHeartbeat = new PromHistogram({ name: 'vtime_heartbeat_duration_seconds', help: 'Heartbeat latency', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry] });
    this.#promBatch = new PromHistogram({ name: 'vtime_heartbeat_batch_size', help: 'Heartbeats per heartbeat statement (group commit)', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [this.registry] });
    this.#promDelivery = new PromHistogram({ name: 'vtime_event_delivery_seconds', help: 'Live events: from the commit that wrote one to its write to a stream', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5], registers: [this.registry] });
    this.#promRequests = new Counter({ name: 'vtime_http_requests_total', help: 'HTTP requests by status class', labelNames: ['status_class'], registers: [this.registry] });
    this.#registerCollected();
    this.#lag.enable();
  }

  observe(r: RequestObservation): void {
    this.#requests.total++;
    // an unknown method (501) is a client's mistake: counted with client errors, never towards the 5xx alert
    const statusClass = r.status === 501 ? 4 : Math.floor(r.status / 100);
    if (statusClass === 5) this.#requests.errors5xx++;
    else if (statusClass === 4) this.#requests.errors4xx++;
    this.#promRequests.inc({ status_class: `${statusClass}xx` });
    if (r.path === HEARTBEAT && r.method === 'POST' && r.status < 400) {
      this.#heartbeat.count++;
      this.#heartbeat.dbOps += r.dbOps;
      this.#heartbeat.hist.recordValue(Math.max(1, Math.round(r.ms * 1000)));
      this.#promHeartbeat.observe(r.ms / 1000);
    } else if (r.path === REPORT && r.status < 400) {
      this.#report.count++;
      this.#report.queries += r.dbOps;
      this.#report.hist.recordValue(Math.max(1, Math.round(r.ms * 1000)));
    }
  }

  /** A heartbeat statement was sent carrying `beats` heartbeats. */
  observeHeartbeatStatement(beats: number): void {
    this.#statements.count++;
    this.#statements.bySize[beats] = (this.#statements.bySize[beats] ?? 0) + 1;
    this.#promBatch.observe(beats);
  }

  /** A live event was written to a stream `ms` after the commit that wrote it. */
  observeEventDelivery(ms: number): void {
    this.#events.delivered++;
    this.#events.hist.recordValue(Math.max(1, Math.round(ms * 1000)));
    this.#promDelivery.observe(ms / 1000);
  }

  /** Plain data for the snapshots table; histograms travel HDR-encoded. */
  async snapshot(): Promise<Record<string, unknown>> {
    return {
      heartbeat: { count: this.#heartbeat.count, dbOps: this.#heartbeat.dbOps, hist: encode(this.#heartbeat.hist), statements: this.#statements.count, bySize: Array.from(this.#statements.bySize, (n) => n ?? 0) },
      report: { count: this.#report.count, queries: this.#report.queries, hist: encode(this.#report.hist) },
      requests: { ...this.#requests },
      pin: this.#src.pin(),
      login: { ...this.#src.login() },
      cache: this.#src.configCache(),
      workerPool: this.#src.workerPool(),
      dbPool: this.#src.dbPool(),
      dbRoundTrips: this.#src.dbRoundTrips(),
      eventLoop: encode(this.#loopDelay()),
      events: { openStreams: this.#src.openStreams(), delivered: this.#events.delivered, hist: encode(this.#events.hist) },
      timeRequests: this.#src.timeRequests(),
      familyRules: this.#src.familyRules(),
      idempotency: { ...(this.#src.idempotency?.() ?? { replays: 0, conflicts: 0 }) },
      alerts: { ...(this.#src.alerts?.() ?? { delivered: 0, failed: 0 }) },
      db: { ...(this.#src.db?.() ?? { unavailable503: 0, inDoubtRetries: 0, primaryAddress: null }) },
      prom: await this.registry.getMetricsAsJSON(),
    };
  }

  stop(): void {
    this.#lag.disable();
  }

  /**
   * Event-loop delay as a mergeable HDR histogram: what Node's sampler saw since the last read is
   * added, each percentile band with its share of the samples, and the sampler starts again.
   */
  #loopDelay(): Histogram {
    const n = this.#lag.count;
    if (n > 0) {
      let below = 0;
      for (const [p, ns] of [...this.#lag.percentiles].sort((a, b) => a[0] - b[0])) {
        const count = Math.round(((p - below) / 100) * n);
        if (count > 0) this.#eventLoop.recordValueWithCount(Math.max(1, Math.round(ns / 1000)), count);
        below = p;
      }
      this.#lag.reset();
    }
    return this.#eventLoop;
  }

  #registerCollected(): void {
    const src = this.#src;
    const gauge = (name: string, help: string, read: () => number, aggregator: 'sum' | 'max' | 'average' = 'sum') =>
      new Gauge({ name, help, registers: [this.registry], aggregator, collect() { this.set(read()); } });
    // read off the sources at scrape time; typed counter (as their _total names say) so rate() and promtool agree
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(read()); } });
    counter('vtime_db_round_trips_total', 'Database round trips made (counted at the driver)', () => src.dbRoundTrips());
    counter('vtime_heartbeat_db_round_trips_total', 'Heartbeat statements sent: a group-commit statement counts once (per heartbeat: divide by vtime_heartbeat_duration_seconds_count)', () => this.#statements.count);
    counter('vtime_config_cache_hits_total', 'Config values served from the cache', () => src.configCache().hits);
    counter('vtime_config_cache_misses_total', 'Config values read from the database', () => src.configCache().misses);
    counter('vtime_config_cache_invalidations_total', 'Config cache invalidations', () => src.configCache().invalidations);
    gauge('vtime_config_cache_entries', 'Config cache entries', () => src.configCache().size);
    counter('vtime_pin_verifications_total', 'PIN bcrypt checks run', () => src.pin().verifications);
    counter('vtime_pin_failures_total', 'PIN checks that failed (wrong PIN)', () => src.pin().failures);
    counter('vtime_pin_lockouts_total', 'PIN lockouts armed', () => src.pin().lockouts);
    counter('vtime_login_attempts_total', 'Password logins admitted (counted against the limits before bcrypt)', () => src.login().attempts);
    counter('vtime_login_bcrypt_checks_total', 'Password logins that ran bcrypt', () => src.login().checks);
    counter('vtime_login_failures_total', 'Password logins refused: wrong password or unknown email', () => src.login().failures);
    counter('vtime_login_throttled_total', 'Password logins refused by the attempt limits (429), before bcrypt', () => src.login().throttled);
    counter('vtime_worker_pool_refused_total', 'CPU tasks refused by admission control (429 busy): they could not start in time', () => src.workerPool().refused);
    gauge('vtime_worker_pool_threads', 'Worker threads', () => src.workerPool().threads);
    gauge('vtime_worker_pool_queue_size', 'Queued CPU tasks', () => src.workerPool().queueSize);
    gauge('vtime_worker_pool_utilization', 'Worker pool utilization (0..1)', () => src.workerPool().utilization, 'average');
    gauge('vtime_db_pool_connections', 'Open database connections', () => src.dbPool().total);
    gauge('vtime_db_pool_waiting', 'Requests waiting for a connection', () => src.dbPool().waiting);
    gauge('vtime_event_streams_open', 'Live event streams open', () => src.openStreams());
    counter('vtime_events_delivered_total', 'Live events written to streams', () => this.#events.delivered);
    counter('vtime_time_requests_approved_total', 'Time requests approved', () => src.timeRequests().approved);
    counter('vtime_time_requests_denied_total', 'Time requests denied', () => src.timeRequests().denied);
    counter('vtime_breaks_started_total', 'Breaks started by heartbeats (break rule reached)', () => src.familyRules().breaksStarted);
    counter('vtime_graces_started_total', 'Finishing graces started by heartbeats (the allowance or a window ran out with the title\'s rest within the grace)', () => src.familyRules().gracesStarted);
    counter('vtime_overtime_seconds_total', 'Seconds watched in finishing graces (counted towards nothing)', () => src.familyRules().overtimeSeconds);
    counter('vtime_bank_spent_seconds_total', 'Seconds of the time bank spent by heartbeats', () => src.familyRules().bankSpentSeconds);
    counter('vtime_db_unavailable_503_total', 'Requests answered 503 because the database could not be reached or could not write (a failover)', () => src.db?.().unavailable503 ?? 0);
    new Gauge({ // which database server is primary, as each process's LISTEN connection last reached it (summed: processes per address)
      name: 'vtime_db_primary_processes', help: 'Service processes whose database connection reached this server (the primary) when it last connected', labelNames: ['address'], registers: [this.registry], aggregator: 'sum',
      collect() { this.reset(); const address = src.db?.().primaryAddress; if (address) this.set({ address }, 1); },
    });
    counter('vtime_db_in_doubt_retries_total', 'Heartbeats sent again because their batch commit was in doubt (the connection broke under it)', () => src.db?.().inDoubtRetries ?? 0);
    counter('vtime_alerts_delivered_total', 'Alert deliveries (webhooks, Web Push) accepted by their receivers', () => src.alerts?.().delivered ?? 0);
    counter('vtime_alerts_failed_total', 'Alert deliveries marked failed: still refused when the retry horizon passed', () => src.alerts?.().failed ?? 0);
    counter('vtime_idempotency_replays_total', 'Idempotency-Key repeats answered with the first answer', () => src.idempotency?.().replays ?? 0);
    counter('vtime_idempotency_conflicts_total', 'Idempotency-Key repeats refused: 409 while the first runs, 422 with another body', () => src.idempotency?.().conflicts ?? 0);
    gauge('vtime_event_loop_delay_p99_seconds', 'Event-loop delay p99 (worst process)', () => this.#loopDelay().getValueAtPercentile(99) / 1e6, 'max');
  }
}
