// Service figures next to the raw-PostgreSQL baseline measured in the same run, as ratios.
import { cpuPerRequest, formatCpu } from './cpu.ts';
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

export function sideOf(m: Metrics, r: RunResult, endpoint = 'heartbeat'): Side {
  const v = m.select({ endpoint });
  const s = summary(v.duration);
  const achieved = r.streams.reduce((a, x) => a + x.achieved, 0);
  return { achieved, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, failed: v.failed, dropped: r.streams.reduce((a, x) => a + x.dropped, 0), answered: s.count };
}

export function ratioTable(title: string, svc: Side, pg: Side, cpu: { service: RunResult; baseline: RunResult }): string {
  const rows: [string, Exclude<keyof Side, 'answered'>, number][] = [['achieved/s', 'achieved', 1], ['p50 ms', 'p50', 2], ['p95 ms', 'p95', 2], ['p99 ms', 'p99', 2], ['max ms', 'max', 1], ['failed', 'failed', 0], ['dropped', 'dropped', 0]];
  const out = ['', title, '', `${'figure'.padEnd(14)}${'service'.padEnd(12)}${'postgres'.padEnd(12)}service / postgres`];
  for (const [label, key, d] of rows) {
    const ratio = pg[key] > 0 ? `${(svc[key] / pg[key]).toFixed(2)}×` : '-';
    out.push(`${label.padEnd(14)}${svc[key].toFixed(d).padEnd(12)}${pg[key].toFixed(d).padEnd(12)}${ratio}`);
  }
  out.push(`service run:  ${formatCpu(cpu.service.cpu)}`, `              ${cpuPerRequest(cpu.service.cpu, svc.answered)}`);
  out.push(`baseline run: ${formatCpu(cpu.baseline.cpu)}`, `              ${cpuPerRequest(cpu.baseline.cpu, pg.answered)}`);
  return out.join('\n');
}
