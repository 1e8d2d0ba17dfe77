// The database alone, running round 2's heartbeat statement: a small pg client makes PostgreSQL
// execute the frozen single-beat statement (load-tests/frozen-r2: the same text, parameters and
// named prepared statement as the round-2 service sent, on a frozen copy of its tables and
// functions in schema vt_r2) at an arrival rate, measured like the service (engine.ts measure).
// Frozen, so that a cheaper engine does not lower its own yardstick. With the service's recorded
// batch sizes the same beats go as vt_heartbeats statements instead (runBatched: --batched).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { dayCache } from '../frozen-r2/day.ts';
import { createFrozenSchema, dropFrozenSchema } from '../frozen-r2/schema.ts';
import { batchStatement, heartbeatQuery, type BeatInput, type BeatRow } from '../frozen-r2/statement.ts';
import { closedLoop } from './arrival.ts';
import { runBatches, type BatchPlan } from './batches.ts';
import type { Roots } from './cpu.ts';
import { measure, type RunResult } from './engine.ts';
import type { Metrics } from './metrics.ts';
import type { Fixture } from './seed.ts';

export interface RawOptions {
  databaseUrl: string;
  fx: Fixture;
  /** Connections the single-beat statements go over (the service's DB_POOL_MAX × processes). */
  connections: number;
  pausedShare: number;
  log: (m: string) => void;
}

export interface RawRun {
  metrics: Metrics;
  rate: number;
  durationMs: number;
  /** The first `viewers` seeded viewers beat, in turn. */
  viewers: number;
  maxInFlight: number;
  lateMs: number;
  roots: Roots;
  progress: (line: string) => void;
  stopWhen?: Parameters<typeof measure>[1]['stopWhen'];
}

/**
 * Round 2's statement on the frozen copy. Sessions started once stay open across runs (a
 * saturation search runs it many times), as the service's viewers keep theirs.
 */
export class RawBaseline {
  readonly #o: RawOptions;
  readonly #pool: pg.Pool;
  readonly #dayOf = dayCache();
  readonly #sessions: (string | null)[];
  readonly #seqs: number[];
  readonly #dayEnds: number[];

  private constructor(o: RawOptions) {
    this.#o = o;
    this.#pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.connections });
    const n = o.fx.viewers.length;
    this.#sessions = Array(n).fill(null);
    this.#seqs = Array(n).fill(0);
    this.#dayEnds = Array(n).fill(0);
  }

  /** Creates schema vt_r2 from this run's seeded rows and opens the connections. */
  static async open(o: RawOptions): Promise<RawBaseline> {
    const t0 = performance.now();
    const copied = await createFrozenSchema(o.databaseUrl, { users: o.fx.households.map((h) => h.userId), titles: o.fx.titles.map((t) => t.id) });
    o.log(`baseline: round-2 tables and functions frozen in schema vt_r2, seeded rows copied (${Object.entries(copied).map(([t, n]) => `${t} ${n}`).join(', ')}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const b = new RawBaseline(o);
    const clients = await Promise.all(Array.from({ length: o.connections }, () => b.#pool.connect()));
    clients.forEach((c) => c.release());
    return b;
  }

  async close(): Promise<void> {
    await this.#pool.end();
    await dropFrozenSchema(this.#o.databaseUrl);
  }

  /** The beat round 2's service would have sent for viewer i (a start when `start`). */
  #input(i: number, start: boolean): BeatInput {
    const v = this.#o.fx.viewers[i];
    const now = new Date();
    const sent = start ? null : this.#sessions[i];
    // like the service: the day goes along only while this viewer's day row may not exist yet
    const day = now.getTime() < this.#dayEnds[i] ? null : this.#dayOf(v.timezone, now);
    return {
      userId: this.#o.fx.households[v.household].userId, profileId: v.profileId, sessionId: sent, titleId: v.titleId, deviceId: v.deviceId,
      deviceType: v.deviceType, paused: sent !== null && Math.random() < this.#o.pausedShare, seq: ++this.#seqs[i], now, day,
    };
  }

  /** Records what a row says about its beat (a check); keeps a started session and the day's end. */
  #answered(i: number, start: boolean, row: BeatRow | undefined, metrics: Metrics): void {
    if (row?.day_end) this.#dayEnds[i] = new Date(row.day_end).getTime();
    const ok = start ? row?.outcome === 'started' : row?.outcome === 'ok';
    metrics.check(`vt_heartbeat ${start ? 'starts' : 'credits'}`, ok);
    if (start && ok) this.#sessions[i] = row!.session_id;
  }

  async #beat(i: number, start: boolean, metrics: Metrics): Promise<void> {
    const endpoint = start ? 'session_start' : 'heartbeat';
    const t = performance.now();
    try {
      const rows = (await this.#pool.query<BeatRow>(heartbeatQuery(this.#input(i, start)))).rows;
      metrics.request({ endpoint, phase: start ? 'start' : 'main' }, performance.now() - t, false, 1);
      this.#answered(i, start, rows[0], metrics);
    } catch (e) {
      metrics.request({ endpoint, phase: start ? 'start' : 'main' }, performance.now() - t, true, 1);
      metrics.check('vt_heartbeat succeeds', false);
      if (String(e).includes('terminat')) throw e;
    }
  }

  /** Starts the sessions of the first n viewers that have none yet; returns how many it started. */
  async startSessions(n: number, metrics: Metrics): Promise<number> {
    const todo = [...Array(Math.min(n, this.#sessions.length)).keys()].filter((i) => !this.#sessions[i]);
    if (!todo.length) return 0;
    const t0 = performance.now();
    await closedLoop(todo.length, this.#o.connections, (k) => this.#beat(todo[k], true, metrics));
    const failed = todo.filter((i) => !this.#sessions[i]).length;
    this.#o.log(`baseline: started ${todo.length} sessions through vt_r2.vt_heartbeat on ${this.#o.connections} connections in ${((performance.now() - t0) / 1000).toFixed(1)} s${failed ? `; WARNING: ${failed} did not start` : ''}`);
    return todo.length;
  }

  /** One beat per statement at the arrival rate, on the baseline's connections. */
  async run(r: RawRun): Promise<RunResult> {
    const started = await this.startSessions(r.viewers, r.metrics);
    let cursor = 0;
    const fire = () => this.#beat((cursor = (cursor + 1) % r.viewers), false, r.metrics);
    const run = await measure([{ name: 'pg_heartbeats', rate: r.rate, startMs: 0, endMs: r.durationMs, maxInFlight: r.maxInFlight, fire }], r);
    return { ...run, started };
  }

  /** The same beats as vt_heartbeats statements of the service's recorded batch sizes, one lane per service process. */
  async runBatched(r: RawRun, batches: BatchPlan): Promise<RunResult & { beats: number; statements: number }> {
    const started = await this.startSessions(r.viewers, r.metrics);
    const lanes = new pg.Pool({ connectionString: this.#o.databaseUrl, max: batches.lanes });
    try {
      const send = async (viewers: number[]): Promise<void> => {
        const s = batchStatement(viewers.map((i) => this.#input(i, false)));
        const rows = s.answer((await lanes.query<BeatRow>(s.query)).rows);
        viewers.forEach((i, k) => this.#answered(i, false, rows[k], r.metrics));
      };
      const run = await runBatches({ ...r, name: 'pg_batches', batches, send });
      return { ...run, started };
    } finally {
      await lanes.end();
    }
  }
}
