import * as hdr from 'hdr-histogram-js';

/** HDR histograms in microseconds (1 µs .. 2 min, 3 significant digits): mergeable across processes. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

export const encode = (h: hdr.Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** Adds encoded histograms into one: percentiles of the merged data, never averages of percentiles. */
export function merge(encoded: string[]): hdr.Histogram {
  const total = newHistogram();
  for (const e of encoded) if (e) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

const ms = (us: number) => Math.round(us) / 1000;

export function summary(h: hdr.Histogram) {
  const empty = h.totalCount === 0;
  return {
    count: h.totalCount,
    avg_ms: empty ? 0 : ms(h.mean),
    max_ms: empty ? 0 : ms(h.maxValue),
    p50_ms: empty ? 0 : ms(h.getValueAtPercentile(50)),
    p95_ms: empty ? 0 : ms(h.getValueAtPercentile(95)),
    p99_ms: empty ? 0 : ms(h.getValueAtPercentile(99)),
  };
}

export type { Histogram } from 'hdr-histogram-js';
