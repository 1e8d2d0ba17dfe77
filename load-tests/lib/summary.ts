// k6's end-of-test summary as text, written here rather than imported from k6's jslib: a script must
// load nothing over the network (k6 may run air-gapped, and a remote import fails its start).
import type { SummaryData } from './plan.ts';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** Every metric with its values, thresholds marked ✓ or ✗, sorted by name (as k6's own summary lists them). */
export function textSummary(data: SummaryData): string {
  const lines: string[] = [];
  for (const name of Object.keys(data.metrics).sort()) {
    const m = data.metrics[name];
    const thresholds = Object.entries(m.thresholds ?? {});
    const mark = thresholds.length ? (thresholds.every(([, t]) => t.ok) ? '✓ ' : '✗ ') : '  ';
    const values = Object.entries(m.values).map(([k, v]) => `${k}=${fmt(v)}`).join(' ');
    lines.push(`  ${mark}${name}: ${values}`);
    for (const [expr, t] of thresholds) lines.push(`      ${t.ok ? '✓' : '✗'} ${expr}`);
  }
  return lines.join('\n');
}
