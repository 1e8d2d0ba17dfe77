import os from 'node:os';
import type { EntityManager } from '@mikro-orm/core';
import { AggregatorRegistry, Gauge, Registry } from 'prom-client';
import * as repo from './metrics-repository.ts';
import { merge, summary } from './histogram.ts';
import type { ProcessMetrics } from './process-metrics.ts';

type Snap = {
  heartbeat: { count: number; dbOps: number; hist: string; statements: number; bySize: number[] };
  report: { count: number; queries: number; hist: string };
  requests: { total: number; errors4xx: number; errors5xx: number };
  pin: { verifications: number; failures: number; lockouts: number };
  login?: { attempts: number; checks: number; failures: number; throttled: number };
  cache: { hits: number; misses: number; invalidations: number; size: number; maxSize: number };
  workerPool: { threads: number; queueSize: number; utilization: number; refused?: number };
  dbPool: { total: number; idle: number; waiting: number; max: number };
  dbRoundTrips: number;
  eventLoop: string;
  events?: { openStreams: number; delivered: number; hist: string };
  timeRequests?: { approved: number; denied: number };
  familyRules?: { breaksStarted: number; gracesStarted: number; overtimeSeconds: number; bankSpentSeconds: number };
  idempotency?: { replays: number; conflicts: number };
  alerts?: { delivered: number; failed: number };
  db?: { unavailable503: number; inDoubtRetries: number; primaryAddress: string | null };
  prom: object[];
};

/** Figures only the database holds, read every 10 s by the publish timer (and fresh by the admin endpoint). */
export interface DatabaseFigures { pendingRequests: number; pausesActive: number; alertQueueDepth?: number; alertOldestJobSeconds?: number }

const sum = (rows: Snap[], f: (s: Snap) => number) => rows.reduce((a, s) => a + f(s), 0);
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** The heartbeats-per-statement distribution of the cluster: counts per size summed over processes. */
function batchSizes(perProcess: number[][]) {
  const counts: number[] = [];
  for (const p of perProcess) p.forEach((n, size) => { counts[size] = (counts[size] ?? 0) + n; });
  const total = counts.reduce((a, n) => a + (n ?? 0), 0);
  const at = (q: number) => { let seen = 0; for (let s = 0; s < counts.length; s++) { seen += counts[s] ?? 0; if (seen >= q * total) return s; } return 0; };
  const ranges: Record<string, number> = {};
  counts.forEach((n, size) => {
    if (!n) return;
    const lo = 2 ** Math.floor(Math.log2(size));
    const key = lo === 1 ? '1' : `${lo}-${2 * lo - 1}`;
    ranges[key] = (ranges[key] ?? 0) + n;
  });
  const beats = counts.reduce((a, n, size) => a + (n ?? 0) * size, 0);
  return { beats_carried: beats, mean: total ? round(beats / total, 2) : 0, p50: at(0.5), p95: at(0.95), max: counts.length ? counts.length - 1 : 0, distribution: ranges };
}

/**
 * Cluster-wide metrics: every process publishes its snapshot to PostgreSQL; the process that
 * answers merges the fresh ones (counts summed, HDR histograms added).
 */
/** Cluster-wide facts no single process holds: is the database reachable, how many processes report. */
const FIGURES_EVERY_MS = 10_000;

function cluster(databaseUp: number, processes: number, figures: DatabaseFigures | null = null): Registry {
  const r = new Registry();
  if (figures) {
    new Gauge({ name: 'vtime_time_requests_pending', help: 'Time requests waiting for a parent’s answer (from the database)', registers: [r] }).set(figures.pendingRequests);
    new Gauge({ name: 'vtime_pauses_active', help: 'Kids profiles paused by a parent now (from the database)', registers: [r] }).set(figures.pausesActive);
    new Gauge({ name: 'vtime_alert_queue_depth', help: 'Alert deliveries not finished yet: waiting, being tried or retried (from the database)', registers: [r] }).set(figures.alertQueueDepth ?? 0);
    new Gauge({ name: 'vtime_alert_queue_oldest_job_age_seconds', help: 'How long the oldest unfinished alert delivery has waited (0: none)', registers: [r] }).set(figures.alertOldestJobSeconds ?? 0);
  }
  new Gauge({ name: 'vtime_database_up', help: '1 when the database answered this scrape, 0 when it did not', registers: [r] }).set(databaseUp);
  new Gauge({ name: 'vtime_processes_reporting', help: 'Service processes whose metrics snapshot is fresh (0 when the database is unavailable)', registers: [r] }).set(processes);
  return r;
}

export class ClusterMetrics {
  readonly #em: EntityManager;
  readonly #local: ProcessMetrics;
  readonly #serviceStartedAt: Date;
  readonly #freshSeconds: number;
  readonly #databaseFigures: () => Promise<DatabaseFigures>;
  /** The other processes' snapshots as of the last exchange (the publish timer's), for scrapes. */
  #figuresAt = 0;
  #others: { rows: repo.SnapshotRow<Snap>[]; ok: boolean; at: number; figures: DatabaseFigures | null } = { rows: [], ok: false, at: 0, figures: null };

  constructor(d: { em: EntityManager; local: ProcessMetrics; serviceStartedAt: Date; publishIntervalMs: number; databaseFigures?: () => Promise<DatabaseFigures> }) {
    this.#em = d.em;
    this.#databaseFigures = d.databaseFigures ?? (async () => ({ pendingRequests: 0, pausesActive: 0 }));
    this.#local = d.local;
    this.#serviceStartedAt = d.serviceStartedAt;
    this.#freshSeconds = Math.max(5, (3 * d.publishIntervalMs) / 1000);
  }

  /** A process whose snapshot is older than this no longer counts (it stopped or died). */
  get freshSeconds(): number {
    return this.#freshSeconds;
  }

  async #own(): Promise<repo.SnapshotRow<Snap>> {
    return { process_key: this.#local.processKey, service_started_at: this.#serviceStartedAt, snapshot: (await this.#local.snapshot()) as unknown as Snap };
  }

  /** The publish timer's one round trip: this process's snapshot out, the others' in (kept for scrapes); every 10 s one more for the database's own figures. */
  async publish(): Promise<repo.SnapshotRow<Snap>[]> {
    const own = await this.#own();
    try {
      const rows = await repo.exchange<Snap>(this.#em, { processKey: own.process_key, host: os.hostname(), pid: process.pid, serviceStartedAt: this.#serviceStartedAt, snapshot: JSON.stringify(own.snapshot) }, this.#freshSeconds);
      // pending time requests and active pauses (counts over partial indexes), read here every 10 s so a scrape reads memory only
      let figures = this.#others.figures;
      if (Date.now() - this.#figuresAt >= FIGURES_EVERY_MS) {
        figures = await this.#databaseFigures().catch(() => null);
        this.#figuresAt = Date.now();
      }
      this.#others = { rows, ok: true, at: Date.now(), figures };
      return [own, ...rows];
    } catch (e) {
      this.#others = { rows: [], ok: false, at: Date.now(), figures: null };
      throw e;
    }
  }

  async withdraw(): Promise<void> {
    await repo.withdraw(this.#em, this.#local.processKey);
  }

  async #rows(): Promise<repo.SnapshotRow<Snap>[]> {
    return this.publish(); // our own figures are always current
  }

  async admin() {
    const rows = await this.#rows();
    const snaps = rows.map((r) => r.snapshot);
    const hb = summary(merge(snaps.map((s) => s.heartbeat.hist)));
    const statements = sum(snaps, (s) => s.heartbeat.statements);
    const report = summary(merge(snaps.map((s) => s.report.hist)));
    const hits = sum(snaps, (s) => s.cache.hits);
    const misses = sum(snaps, (s) => s.cache.misses);
    const threads = sum(snaps, (s) => s.workerPool.threads);
    const started = Math.min(...rows.map((r) => new Date(r.service_started_at).getTime()));
    const figures = await this.#databaseFigures();
    return {
      uptime_seconds: Math.round((Date.now() - started) / 1000),
      processes_reporting: rows.length,
      heartbeat: {
        total_processed: sum(snaps, (s) => s.heartbeat.count),
        avg_db_ops_per_heartbeat: hb.count ? round(sum(snaps, (s) => s.heartbeat.dbOps) / hb.count) : 0,
        avg_duration_ms: hb.avg_ms, max_duration_ms: hb.max_ms, p50_duration_ms: hb.p50_ms, p95_duration_ms: hb.p95_ms, p99_duration_ms: hb.p99_ms,
        // what group commit lowers: a statement shared by several heartbeats counts once
        statements: statements,
        db_round_trips_per_heartbeat: hb.count ? round(statements / hb.count) : 0,
        heartbeats_per_statement: batchSizes(snaps.map((s) => s.heartbeat.bySize ?? [])),
      },
      config_cache: {
        hit_rate: hits + misses ? round(hits / (hits + misses), 4) : 0, total_hits: hits, total_misses: misses,
        total_invalidations: sum(snaps, (s) => s.cache.invalidations), current_size: sum(snaps, (s) => s.cache.size), max_size: sum(snaps, (s) => s.cache.maxSize),
      },
      errors: { requests_total: sum(snaps, (s) => s.requests.total), client_errors: sum(snaps, (s) => s.requests.errors4xx), server_errors: sum(snaps, (s) => s.requests.errors5xx) },
      weekly_report: { total: report.count, avg_queries: report.count ? round(sum(snaps, (s) => s.report.queries) / report.count) : 0, p95_ms: report.p95_ms },
      pin: { verifications: sum(snaps, (s) => s.pin.verifications), failures: sum(snaps, (s) => s.pin.failures), lockouts: sum(snaps, (s) => s.pin.lockouts) },
      login: {
        attempts: sum(snaps, (s) => s.login?.attempts ?? 0), bcrypt_checks: sum(snaps, (s) => s.login?.checks ?? 0),
        failures: sum(snaps, (s) => s.login?.failures ?? 0), throttled: sum(snaps, (s) => s.login?.throttled ?? 0),
      },
      worker_pool: {
        threads, queue_size: sum(snaps, (s) => s.workerPool.queueSize), refused_busy: sum(snaps, (s) => s.workerPool.refused ?? 0),
        utilization: threads ? round(sum(snaps, (s) => s.workerPool.utilization * s.workerPool.threads) / threads) : 0,
      },
      event_loop: { p99_delay_ms: summary(merge(snaps.map((s) => s.eventLoop))).p99_ms },
      db_pool: { total: sum(snaps, (s) => s.dbPool.total), idle: sum(snaps, (s) => s.dbPool.idle), waiting: sum(snaps, (s) => s.dbPool.waiting), max: sum(snaps, (s) => s.dbPool.max) },
      db_round_trips_total: sum(snaps, (s) => s.dbRoundTrips),
      events: {
        open_streams: sum(snaps, (s) => s.events?.openStreams ?? 0), delivered: sum(snaps, (s) => s.events?.delivered ?? 0),
        p99_delivery_ms: summary(merge(snaps.flatMap((s) => (s.events ? [s.events.hist] : [])))).p99_ms,
      },
      time_requests: {
        pending: figures.pendingRequests,
        approved: sum(snaps, (s) => s.timeRequests?.approved ?? 0), denied: sum(snaps, (s) => s.timeRequests?.denied ?? 0),
      },
      family_rules: {
        pauses_active: figures.pausesActive, breaks_started: sum(snaps, (s) => s.familyRules?.breaksStarted ?? 0),
        graces_started: sum(snaps, (s) => s.familyRules?.gracesStarted ?? 0), overtime_seconds: sum(snaps, (s) => s.familyRules?.overtimeSeconds ?? 0),
        bank_spent_seconds: sum(snaps, (s) => s.familyRules?.bankSpentSeconds ?? 0),
      },
      idempotency: { replays: sum(snaps, (s) => s.idempotency?.replays ?? 0), conflicts: sum(snaps, (s) => s.idempotency?.conflicts ?? 0) },
      alerts: {
        delivered: sum(snaps, (s) => s.alerts?.delivered ?? 0), failed: sum(snaps, (s) => s.alerts?.failed ?? 0),
        queue_depth: figures.alertQueueDepth ?? 0, oldest_job_age_s: Math.round(figures.alertOldestJobSeconds ?? 0),
      },
      db: {
        unavailable_503: sum(snaps, (s) => s.db?.unavailable503 ?? 0), in_doubt_retries: sum(snaps, (s) => s.db?.inDoubtRetries ?? 0),
        // the server the processes' listeners last connected to (several: a failover is being noticed)
        primary_address: [...new Set(snaps.map((s) => s.db?.primaryAddress).filter((a): a is string => !!a))].join(', ') || null,
      },
    };
  }

  /**
   * Prometheus text format, aggregated over the fresh processes by prom-client's own rules. A scrape
   * never touches the database: this process's figures are read now, the others' come from the
   * publish timer's last exchange.
   */
  async prometheus(): Promise<{ contentType: string; text: string }> {
    const current = this.#others.ok && Date.now() - this.#others.at <= this.#freshSeconds * 1000;
    if (!current) {
      // the snapshots live in the database: without it, this process's own figures and the fact
      // (so "database unavailable" alerts on a metric, not on a failed scrape)
      const text = await Registry.merge([this.#local.registry, cluster(0, 0)]).metrics();
      return { contentType: this.#local.registry.contentType, text };
    }
    const rows = [await this.#own(), ...this.#others.rows];
    const registry = Registry.merge([AggregatorRegistry.aggregate(rows.map((r) => r.snapshot.prom)), cluster(1, rows.length, this.#others.figures)]);
    return { contentType: registry.contentType, text: await registry.metrics() };
  }
}
