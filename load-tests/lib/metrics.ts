// Per-tag-set request metrics with HDR histograms, aggregated on demand the way k6 sub-metrics are.
import hdr from 'hdr-histogram-js';

export type Tags = Record<string, string>;
type Histogram = ReturnType<typeof hdr.build>;

// durations are recorded in microseconds: 1 µs .. 2 min, 3 significant digits
export const newHistogram = (): Histogram => hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, autoResize: false });
// the progress line's one-second window: 2 digits are plenty for display and keep its per-second cost well under a millisecond
const newWindow = (): Histogram => hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 10, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 2, autoResize: false });

/** What one tag selector sees: every series whose tags include the selector's. */
export interface View {
  duration: Histogram;
  reqs: number;
  failed: number;
  dbOpsSum: number;
  dbOpsCount: number;
  dbOpsMax: number;
}

/** One tag set's own figures (a View of exactly those tags). */
export interface Series extends View {
  tags: Tags;
}

export const tagKey = (t: Tags): string => Object.keys(t).sort().map((k) => `${k}:${t[k]}`).join(',');

export class Metrics {
  readonly series = new Map<string, Series>();
  readonly checks = new Map<string, { pass: number; fail: number }>();
  readonly dropped = new Map<string, number>();
  /** All requests of the current second, for the progress line. */
  window = newWindow();
  /** Custom trends (like k6's Trend), each by its own tags: e.g. event_delivery{event:grant}. */
  readonly trends = new Map<string, Metrics>();
  /** Failed requests since the measured run began (mark): a running total read on every tick, no histogram reads. */
  failures = 0;
  /** Requests since the mark that took slowMs or longer (set slowMs to count them). */
  slow = 0;
  slowMs = Infinity;

  /** The measured run begins: the running totals count from here (session starts before it do not). */
  mark(): void {
    this.failures = 0;
    this.slow = 0;
  }

  /** One value of a custom trend (not a request: http_req_* and the progress line never see it). */
  trend(name: string, tags: Tags, ms: number): void {
    let t = this.trends.get(name);
    if (!t) this.trends.set(name, (t = new Metrics()));
    t.request(tags, ms, false, null);
  }

  request(tags: Tags, ms: number, failed: boolean, dbOps: number | null): void {
    const key = tagKey(tags);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { tags, duration: newHistogram(), reqs: 0, failed: 0, dbOpsSum: 0, dbOpsCount: 0, dbOpsMax: 0 }));
    const us = Math.min(119_999_999, Math.max(1, Math.round(ms * 1000)));
    s.duration.recordValue(us);
    this.window.recordValue(us);
    s.reqs++;
    if (failed) { s.failed++; this.failures++; }
    if (ms >= this.slowMs) this.slow++;
    if (dbOps !== null) {
      s.dbOpsSum += dbOps;
      s.dbOpsCount++;
      s.dbOpsMax = Math.max(s.dbOpsMax, dbOps);
    }
  }

  check(name: string, ok: boolean): void {
    const c = this.checks.get(name) ?? { pass: 0, fail: 0 };
    if (ok) c.pass++; else c.fail++;
    this.checks.set(name, c);
  }

  drop(stream: string): void {
    this.dropped.set(stream, (this.dropped.get(stream) ?? 0) + 1);
  }

  select(selector: Tags): View {
    const v: View = { duration: newHistogram(), reqs: 0, failed: 0, dbOpsSum: 0, dbOpsCount: 0, dbOpsMax: 0 };
    for (const s of this.series.values()) {
      if (!Object.entries(selector).every(([k, val]) => s.tags[k] === val)) continue;
      v.duration.add(s.duration);
      v.reqs += s.reqs;
      v.failed += s.failed;
      v.dbOpsSum += s.dbOpsSum;
      v.dbOpsCount += s.dbOpsCount;
      v.dbOpsMax = Math.max(v.dbOpsMax, s.dbOpsMax);
    }
    return v;
  }

  checkTotals(): { pass: number; fail: number } {
    let pass = 0;
    let fail = 0;
    for (const c of this.checks.values()) { pass += c.pass; fail += c.fail; }
    return { pass, fail };
  }

  /** Values of one tag across all series (e.g. every endpoint seen), in first-seen order. */
  tagValues(tag: string): string[] {
    return [...new Set([...this.series.values()].map((s) => s.tags[tag]).filter((v): v is string => v !== undefined))];
  }

  resetWindow(): Histogram {
    const w = this.window;
    this.window = newWindow();
    return w;
  }
}

/** Percentiles in milliseconds from a µs histogram. */
export function summary(h: Histogram) {
  const ms = (us: number) => us / 1000;
  const n = h.totalCount;
  return {
    count: n,
    avg: n ? ms(h.mean) : 0,
    min: n ? ms(h.minNonZeroValue) : 0,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}
export type Summary = ReturnType<typeof summary>;

/** Only what the progress line shows. */
export function windowSummary(h: Histogram) {
  return { count: h.totalCount, p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, max: h.maxValue / 1000 };
}
