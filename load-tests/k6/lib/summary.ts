// handleSummary for scenarios with a `compare` rule (pin-storm: heartbeat p95 storm − calm ≤ 10 ms),
// which k6 thresholds cannot express; prints thresholds and comparisons, and keeps the full JSON.
import type { CompareDef, Plan } from './plan.ts';

export interface SummaryData {
  metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  setup_data?: { skip?: string | null };
}

const selector = (metric: string, tags: Record<string, string>) =>
  `${metric}{${Object.entries(tags).map(([k, v]) => `${k}:${v}`).join(',')}}`;

function compareLine(c: CompareDef, data: SummaryData): string {
  const base = data.metrics[selector(c.metric, { ...c.tags, ...c.base })]?.values[c.stat];
  const test = data.metrics[selector(c.metric, { ...c.tags, ...c.test })]?.values[c.stat];
  if (base === undefined || test === undefined) return `  ? ${c.metric} ${c.stat}: no data (the thresholds must name both sub-metrics)`;
  const increase = test - base;
  return `  ${increase <= c.maxIncrease ? '✓' : '✗'} ${c.metric} ${c.stat} ${JSON.stringify(c.test)} − ${JSON.stringify(c.base)} = ${increase.toFixed(2)} ms (at most ${c.maxIncrease})`;
}

export function summarize(p: Plan, data: SummaryData): Record<string, string> {
  const skip = data.setup_data?.skip ?? null;
  const lines = [`\nscenario ${p.name}${skip ? ` — ${skip}` : ''}`, 'thresholds:'];
  for (const [name, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds ?? {})) {
      const stat = /^(avg|min|max|med|count|rate|p\([\d.]+\))/.exec(expr)?.[1] ?? '';
      lines.push(`  ${t.ok ? '✓' : '✗'} ${name} ${expr} (${m.values[stat]?.toFixed(3) ?? 'no data'})`);
    }
  }
  if (p.def.compare?.length) lines.push('comparisons (reported here; the npm runner also fails on them):', ...p.def.compare.map((c) => compareLine(c, data)));
  return { stdout: `${lines.join('\n')}\n`, [`load-tests/results/k6-${p.name}-summary.json`]: JSON.stringify(data, null, 2) };
}
