// The end-of-run table and the JSON result file.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuPerRequest, formatCpu } from './cpu.ts';
import type { RunResult } from './engine.ts';
import { summary, type Metrics } from './metrics.ts';
import { RESULTS_DIR } from './service.ts';
import type { CompareResult, ThresholdResult } from './thresholds.ts';

export interface EndpointRow {
  endpoint: string;
  phase: string;
  count: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  dbOpsAvg: number | null;
  dbOpsMax: number | null;
}

export function endpointRows(m: Metrics): EndpointRow[] {
  const rows: EndpointRow[] = [];
  for (const endpoint of m.tagValues('endpoint')) {
    for (const phase of m.tagValues('phase')) {
      const v = m.select({ endpoint, phase });
      if (!v.reqs) continue;
      const s = summary(v.duration);
      rows.push({
        endpoint, phase, count: v.reqs, failed: v.failed, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max,
        dbOpsAvg: v.dbOpsCount ? v.dbOpsSum / v.dbOpsCount : null, dbOpsMax: v.dbOpsCount ? v.dbOpsMax : null,
      });
    }
  }
  return rows;
}

const pad = (v: unknown, n: number) => String(v).padEnd(n);
const num = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));

export function table(title: string, m: Metrics, r: RunResult, thresholds: ThresholdResult[], compares: CompareResult[]): string {
  const out = [``, title, ``, `${pad('endpoint', 18)}${pad('phase', 8)}${pad('count', 9)}${pad('failed', 8)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}db_ops avg/max`];
  for (const e of endpointRows(m)) {
    out.push(`${pad(e.endpoint, 18)}${pad(e.phase, 8)}${pad(e.count, 9)}${pad(e.failed, 8)}${pad(num(e.p50, 2), 9)}${pad(num(e.p95, 2), 9)}${pad(num(e.p99, 2), 9)}${pad(num(e.max), 9)}${num(e.dbOpsAvg, 3)} / ${e.dbOpsMax ?? '-'}`);
  }
  out.push('', `${pad('stream', 14)}${pad('target/s', 10)}${pad('achieved/s', 12)}${pad('issued', 9)}${pad('dropped', 9)}${pad('late', 7)}${pad('max lag ms', 12)}peak in-flight`);
  for (const s of r.streams) {
    out.push(`${pad(s.name, 14)}${pad(s.rate, 10)}${pad(s.achieved.toFixed(1), 12)}${pad(s.issued, 9)}${pad(s.dropped, 9)}${pad(s.late, 7)}${pad(s.maxLagMs.toFixed(1), 12)}${s.peakInFlight}`);
  }
  const c = m.checkTotals();
  out.push('', `checks: ${c.pass}/${c.pass + c.fail} passed${[...m.checks].filter(([, x]) => x.fail).map(([n, x]) => `; ${x.fail} × "${n}" failed`).join('')}`);
  const answered = endpointRows(m).filter((e) => e.phase !== 'start').reduce((a, e) => a + e.count, 0);
  out.push(formatCpu(r.cpu), cpuPerRequest(r.cpu, answered), `generator event-loop delay p99: ${r.eventLoopP99Ms.toFixed(1)} ms ("late" = issued > the late limit after its due instant)`);
  if (thresholds.length) out.push('', 'thresholds:');
  for (const t of thresholds) out.push(`  ${t.ok ? '✓' : '✗'} ${pad(t.metric, 48)} ${pad(t.expression, 14)} ${t.value === null ? 'no data' : +t.value.toFixed(4)}`);
  for (const x of compares) out.push(`  ${x.ok ? '✓' : '✗'} ${x.description}: ${num(x.test, 2)} − ${num(x.base, 2)} = ${num(x.increase, 2)} ms`);
  return out.join('\n');
}

export function writeResult(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const host = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` };
  writeFileSync(file, JSON.stringify({ host, ...data }, null, 2));
  return file;
}
