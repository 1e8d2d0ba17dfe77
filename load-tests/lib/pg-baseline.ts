// The database alone: a small pg client makes PostgreSQL execute the service's own heartbeat
// statement (heartbeatQuery: the same text, parameters and named prepared statement as the
// service sends) at the same arrival rate, measured with the same scheduler and histograms.
// Batched, the beats go through the service's own group commit instead: one GroupCommit per
// service process, beats dealt round robin, each batch one vt_heartbeats statement.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import { isDatabaseUnavailable } from '../../src/db/db-errors.ts';
import { GroupCommit } from '../../src/db/group-commit.ts';
import { batchStatement, heartbeatQuery, type BeatInput, type BeatRow, type DayFacts } from '../../src/domain/viewing-time/viewing-time-repository.ts';
import { viewingDayAt, type DaySettings } from '../../src/domain/viewing-time/viewing-day.ts';
import { closedLoop, runArrivals } from './arrival.ts';
import { cpuBetween, cpuSnapshot, type Roots } from './cpu.ts';
import type { RunResult } from './engine.ts';
import type { Metrics } from './metrics.ts';
import type { Fixture } from './seed.ts';

export interface BaselineOptions {
  databaseUrl: string;
  fx: Fixture;
  metrics: Metrics;
  rate: number;
  durationMs: number;
  concurrency: number;
  viewers: number;
  maxInFlight: number;
  lateMs: number;
  pausedShare: number;
  log: (m: string) => void;
  /** The processes the CPU split counts as the service (none here: it stands by) and as PostgreSQL. */
  roots: Roots;
  /** Group-commit the steady beats as the service does (per process: one lane, these settings). */
  batched?: { processes: number; maxBatch: number; paceMs: number };
}

/** The viewing day per timezone (seeded configs: version 1, 120/180 min, reset 6), recomputed when it ends. */
function dayCache() {
  const days = new Map<string, DayFacts>();
  return (tz: string, now: Date): DayFacts => {
    let d = days.get(tz);
    if (!d || now >= d.end) {
      const s: DaySettings = { timezone: tz, resetHour: 6, weekdayLimitMinutes: 120, weekendLimitMinutes: 180, previous: null, effectiveFrom: null };
      const v = viewingDayAt(now, s);
      days.set(tz, (d = { date: v.date, start: v.start, end: v.end, limitMinutes: v.limitMinutes, educationalExempt: true, configVersion: 1, allowed: null, educationalIgnoresHours: false }));
    }
    return d;
  };
}

export async function runBaseline(o: BaselineOptions): Promise<RunResult> {
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.concurrency });
  const clients = await Promise.all(Array.from({ length: o.concurrency }, () => pool.connect()));
  clients.forEach((c) => c.release());
  const dayOf = dayCache();
  const sessions: (string | null)[] = Array(o.viewers).fill(null);
  const seqs: number[] = Array(o.viewers).fill(0);
  const dayEnds: number[] = Array(o.viewers).fill(0);
  const commits = Array.from({ length: o.batched?.processes ?? 0 }, () => new GroupCommit<BeatInput, BeatRow>({
    maxBatch: o.batched!.maxBatch, lanes: 1, text: 'vt_heartbeats', isFatal: isDatabaseUnavailable,
    pace: o.batched!.paceMs > 0 ? { intervalMs: o.batched!.paceMs, minItems: 2 } : undefined,
    run: async (items) => { const s = batchStatement(items); return s.answer((await pool.query(s.query)).rows); },
  }));
  let dealt = 0;
  const send = async (endpoint: string, b: BeatInput): Promise<BeatRow[]> => {
    if (endpoint === 'session_start' || commits.length === 0) return (await pool.query(heartbeatQuery(b))).rows;
    return [await commits[dealt++ % commits.length].submit(b)];
  };

  const beat = async (i: number, endpoint: string) => {
    const v = o.fx.viewers[i];
    const now = new Date();
    const sent = endpoint === 'session_start' ? null : sessions[i];
    // like the service: the day goes along only while this viewer's day row may not exist yet
    const day = now.getTime() < dayEnds[i] ? null : dayOf(v.timezone, now);
    const b: BeatInput = {
      userId: o.fx.households[v.household].userId, profileId: v.profileId, sessionId: sent, titleId: v.titleId, deviceId: v.deviceId,
      deviceType: v.deviceType, paused: sent !== null && Math.random() < o.pausedShare, seq: ++seqs[i], now, day,
    };
    const t = performance.now();
    try {
      const rows = await send(endpoint, b);
      if (rows[0]?.day_end) dayEnds[i] = new Date(rows[0].day_end).getTime();
      o.metrics.request({ endpoint, phase: endpoint === 'session_start' ? 'start' : 'main' }, performance.now() - t, false, 1);
      const okOutcome = endpoint === 'session_start' ? rows[0]?.outcome === 'started' : rows[0]?.outcome === 'ok';
      o.metrics.check(`vt_heartbeat ${endpoint === 'session_start' ? 'starts' : 'credits'}`, okOutcome);
      if (endpoint === 'session_start') sessions[i] = rows[0].session_id;
    } catch (e) {
      o.metrics.request({ endpoint, phase: 'main' }, performance.now() - t, true, 1);
      o.metrics.check('vt_heartbeat succeeds', false);
      if (String(e).includes('terminat')) throw e;
    }
  };

  try {
    await closedLoop(o.viewers, o.concurrency, (i) => beat(i, 'session_start'));
    o.log(`baseline: started ${o.viewers} sessions through vt_heartbeat on ${o.concurrency} connections${commits.length ? `; beats group-committed by ${commits.length} lanes` : ''}`);
    let cursor = 0;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const cpu0 = cpuSnapshot();
    const [st] = await runArrivals([{ name: 'pg_heartbeats', rate: o.rate, startMs: 0, endMs: o.durationMs, maxInFlight: o.maxInFlight, fire: () => beat((cursor = (cursor + 1) % o.viewers), 'heartbeat') }], { metrics: o.metrics, lateMs: o.lateMs });
    loop.disable();
    return {
      durationMs: o.durationMs, started: o.viewers, cpu: cpuBetween(cpu0, cpuSnapshot(), o.roots), eventLoopP99Ms: loop.percentile(99) / 1e6,
      streams: [{ ...st, rate: o.rate, achieved: st.issued / (o.durationMs / 1000) }],
    };
  } finally {
    await pool.end();
  }
}
