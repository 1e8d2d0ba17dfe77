// Evaluates k6-syntax thresholds ("p(99)<50" on "http_req_duration{endpoint:heartbeat}") against Metrics.
import type { Compare } from './scenarios.ts';
import { summary, type Metrics, type Tags } from './metrics.ts';

export interface ThresholdResult {
  metric: string;
  expression: string;
  value: number | null;
  ok: boolean;
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
  '==': (a, b) => a === b, '===': (a, b) => a === b, '!=': (a, b) => a !== b,
};

export function parseSelector(key: string): { name: string; tags: Tags } {
  const m = /^([\w.]+)(?:\{(.*)\})?$/.exec(key.trim());
  if (!m) throw new Error(`bad threshold metric "${key}"`);
  const tags: Tags = {};
  for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
    const [k, ...v] = pair.split(':');
    tags[k.trim()] = v.join(':').trim();
  }
  return { name: m[1], tags };
}

/** Custom trends a scenario may set thresholds on (milliseconds), recorded with Metrics.trend. */
export const TRENDS = ['event_delivery', 'webhook_delivery'] as const;

/** The value of one statistic (avg, min, max, med, p(N), rate, count) of a metric; null when it has no data. */
export function statOf(metrics: Metrics, name: string, tags: Tags, stat: string, durationMs: number): number | null {
  if (name === 'checks') {
    const c = metrics.checkTotals();
    return c.pass + c.fail ? c.pass / (c.pass + c.fail) : null;
  }
  if (name === 'dropped_iterations') {
    const d = tags.stream ? (metrics.dropped.get(tags.stream) ?? 0) : [...metrics.dropped.values()].reduce((a, b) => a + b, 0);
    return stat === 'rate' ? d / (durationMs / 1000) : d;
  }
  if ((TRENDS as readonly string[]).includes(name)) {
    const t = metrics.trends.get(name);
    return t ? statOf(t, 'http_req_duration', tags, stat, durationMs) : null;
  }
  const v = metrics.select(tags);
  if (!v.reqs) return null;
  if (name === 'http_req_failed') return v.failed / v.reqs;
  if (name === 'http_reqs') return stat === 'rate' ? v.reqs / (durationMs / 1000) : v.reqs;
  if (name === 'db_ops') {
    if (!v.dbOpsCount) return null;
    return stat === 'max' ? v.dbOpsMax : stat === 'count' ? v.dbOpsCount : v.dbOpsSum / v.dbOpsCount;
  }
  if (name !== 'http_req_duration') throw new Error(`unsupported threshold metric "${name}"`);
  const s = summary(v.duration);
  const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  if (p) return v.duration.getValueAtPercentile(Number(p[1])) / 1000;
  const named: Record<string, number> = { avg: s.avg, min: s.min, max: s.max, med: s.p50, count: s.count };
  if (!(stat in named)) throw new Error(`unsupported statistic "${stat}" for ${name}`);
  return named[stat];
}

export function evaluate(metrics: Metrics, thresholds: Record<string, string[]>, durationMs: number): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [key, expressions] of Object.entries(thresholds)) {
    const { name, tags } = parseSelector(key);
    for (const expression of expressions) {
      const m = /^\s*(avg|min|max|med|count|rate|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression);
      if (!m) throw new Error(`bad threshold expression "${expression}" on ${key}`);
      const value = statOf(metrics, name, tags, m[1], durationMs);
      // like k6, a threshold on a metric that saw no data does not fail the run (the table shows "no data")
      results.push({ metric: key, expression, value, ok: value === null || OPS[m[2]](value, Number(m[3])) });
    }
  }
  return results;
}

export interface CompareResult {
  description: string;
  base: number | null;
  test: number | null;
  increase: number | null;
  ok: boolean;
}

/** e.g. heartbeat p95 in the storm phase minus the calm phase must not exceed maxIncrease ms. */
export function compare(metrics: Metrics, rules: Compare[], durationMs: number): CompareResult[] {
  return rules.map((r) => {
    const base = statOf(metrics, r.metric, { ...r.tags, ...r.base }, r.stat, durationMs);
    const test = statOf(metrics, r.metric, { ...r.tags, ...r.test }, r.stat, durationMs);
    const increase = base === null || test === null ? null : test - base;
    const label = (t: Tags) => Object.entries(t).map(([k, v]) => `${k}:${v}`).join(',');
    return {
      description: `${r.metric}{${label(r.tags)}} ${r.stat}: ${label(r.test)} − ${label(r.base)} ≤ ${r.maxIncrease}`,
      base, test, increase, ok: increase === null || increase <= r.maxIncrease,
    };
  });
}
