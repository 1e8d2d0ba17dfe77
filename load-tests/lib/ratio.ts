// Service figures next to a yardstick measured in the same run (raw PostgreSQL running round 2's
// statement, or the floor), as ratios: latency, round trips and CPU per beat.
import { cpuPerRequest, formatCpu, type CpuGroups } from './cpu.ts';
import type { RunResult } from './engine.ts';
import { summary, type Metrics } from './metrics.ts';

export interface Side {
  achieved: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  failed: number;
  dropped: number;
  /** heartbeats answered in the measured run */
  answered: number;
}

/** A side with what a beat cost: database round trips, and CPU ms by process group. */
export interface Figures extends Side {
  /** Statements per beat (null: not known). */
  roundTripsPerBeat: number | null;
  /** service null for a yardstick: the service only stands by during its run */
  cpuMsPerBeat: { generator: number; service: number | null; postgres: number };
}

export function sideOf(m: Metrics, r: RunResult, endpoint = 'heartbeat'): Side {
  const v = m.select({ endpoint });
  const s = summary(v.duration);
  const achieved = r.streams.reduce((a, x) => a + x.achieved, 0);
  return { achieved, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, failed: v.failed, dropped: r.streams.reduce((a, x) => a + x.dropped, 0), answered: s.count };
}

/** CPU milliseconds of a group per answered beat. */
const perBeat = (c: CpuGroups, pct: number, answered: number) => (answered ? ((pct / 100) * c.seconds * 1000) / answered : 0);

export function figuresOf(m: Metrics, r: RunResult, roundTripsPerBeat: number | null, of: 'service' | 'yardstick' = 'service'): Figures {
  const side = sideOf(m, r);
  const ms = (pct: number) => perBeat(r.cpu, pct, side.answered);
  return { ...side, roundTripsPerBeat, cpuMsPerBeat: { generator: ms(r.cpu.generator), service: of === 'service' ? ms(r.cpu.service) : null, postgres: ms(r.cpu.postgres) } };
}

type Row = [label: string, get: (f: Figures) => number | null, digits: number];

const ROWS: Row[] = [
  ['achieved/s', (f) => f.achieved, 1], ['p50 ms', (f) => f.p50, 2], ['p95 ms', (f) => f.p95, 2], ['p99 ms', (f) => f.p99, 2], ['max ms', (f) => f.max, 1],
  ['failed', (f) => f.failed, 0], ['dropped', (f) => f.dropped, 0],
  ['round trips/beat', (f) => f.roundTripsPerBeat, 3],
  ['pg cpu ms/beat', (f) => f.cpuMsPerBeat.postgres, 3],
  ['svc cpu ms/beat', (f) => f.cpuMsPerBeat.service, 3],
];

/** service ÷ yardstick for every figure both have (for the result JSON). */
export function ratios(svc: Figures, base: Figures): Record<string, number | null> {
  return Object.fromEntries(ROWS.map(([label, get]) => {
    const a = get(svc);
    const b = get(base);
    return [label, a !== null && b ? a / b : null];
  }));
}

export function ratioTable(title: string, svc: Figures, base: Figures, baseLabel: string, runs: { service: RunResult; baseline: RunResult }): string {
  const out = ['', title, '', `${'figure'.padEnd(18)}${'service'.padEnd(12)}${baseLabel.padEnd(12)}service / ${baseLabel}`];
  for (const [label, get, d] of ROWS) {
    const [a, b] = [get(svc), get(base)];
    const ratio = a !== null && b ? `${(a / b).toFixed(2)}×` : '-';
    out.push(`${label.padEnd(18)}${(a === null ? '-' : a.toFixed(d)).padEnd(12)}${(b === null ? '-' : b.toFixed(d)).padEnd(12)}${ratio}`);
  }
  const w = Math.max(baseLabel.length, 'service'.length) + 6;
  out.push(`${'service run:'.padEnd(w)}${formatCpu(runs.service.cpu)}`, `${''.padEnd(w)}${cpuPerRequest(runs.service.cpu, svc.answered)}`);
  out.push(`${`${baseLabel} run:`.padEnd(w)}${formatCpu(runs.baseline.cpu)}`, `${''.padEnd(w)}${cpuPerRequest(runs.baseline.cpu, base.answered)}`);
  out.push(`postgres = ${runs.service.cpu.postgresScope}`);
  return out.join('\n');
}
