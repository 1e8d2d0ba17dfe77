// The saturation search (load-tests/lib/saturation.ts) with a fake step: a "machine" that holds
// every rate up to its capacity. It must find the capacity to the resolution, in few steps.
import type { RunResult } from '../../load-tests/lib/engine.ts';
import { Metrics } from '../../load-tests/lib/metrics.ts';
import { bisect, saturate, stopRule, type RunStep, type Settings } from '../../load-tests/lib/saturation.ts';

const cfg: Settings = { from: 1000, resolution: 100, max: 8000, stepDurationMs: 10_000, p99LimitMs: 100 };
const cpu = { generator: 0, service: 0, postgres: 0, other: 0, machine: 0, cores: 2, seconds: 10, otherTop: [], postgresScope: 'test' };

/** A step of a machine that holds up to `capacity`/s; `noisy` rates fail their first attempt only. */
function machine(capacity: number, noisy: number[] = []): { runStep: RunStep; rates: number[] } {
  const rates: number[] = [];
  const runStep: RunStep = async (rate) => {
    const first = !rates.includes(rate);
    rates.push(rate);
    const p99 = rate <= capacity && !(first && noisy.includes(rate)) ? 40 : 180;
    const run: RunResult = {
      durationMs: 10_000, started: 0, cpu, eventLoopP99Ms: 1,
      streams: [{ name: 'hb', target: rate * 10, issued: rate * 10, dropped: 0, late: 0, maxLagMs: 1, inFlight: 0, peakInFlight: 10, rate, achieved: rate }],
    };
    return { side: { achieved: rate, p50: 5, p95: 20, p99, max: p99, failed: 0, dropped: 0, answered: rate * 10 }, run };
  };
  return { runStep, rates };
}

const quiet = () => {};

describe('saturation search: doubling, then bisection', () => {
  it.each([
    // capacity, highest rate held, steps run (a step not held runs twice)
    [3700, 3700, 9], // 1000 2000 4000×2 3000 3500 3800×2 3700 (the service, round 2, on 2 cores)
    [2300, 2300, 11], // 1000 2000 4000×2 3000×2 2500×2 2300 2400×2 (raw PostgreSQL, round 2)
    [1000, 1000, 11], // 1000 2000×2 1500×2 1300×2 1200×2 1100×2: every step past the cliff runs twice
    [9000, 8000, 4], // 1000 2000 4000 8000: max held, nothing above it is tried
  ])('a machine holding %i/s: finds %i/s in %i steps', async (capacity, held, steps) => {
    const m = machine(capacity);
    const res = await saturate('test', cfg, m.runStep, quiet);
    expect(res.held).toBe(held);
    expect(m.rates[0]).toBe(500); // the warm-up, at half the first rate, not counted
    expect(res.steps.length).toBe(steps);
    expect(res.steps.filter((s) => s.held).at(-1)?.rate).toBe(held);
  });

  it('finds every capacity between 100/s and the max to the resolution, in at most 17 steps', async () => {
    let worst = 0;
    for (let capacity = 100; capacity <= 8000; capacity += 50) {
      const m = machine(capacity);
      const res = await saturate('test', cfg, m.runStep, quiet);
      expect([capacity, res.held]).toEqual([capacity, Math.floor(capacity / 100) * 100]);
      worst = Math.max(worst, res.steps.length);
    }
    expect(worst).toBeLessThanOrEqual(17); // 10-s steps (those past the cliff stop early): under 3 minutes even in the worst case
  });

  it('goes below `from` when `from` is not held, and says none when nothing is', async () => {
    expect((await saturate('test', cfg, machine(450).runStep, quiet)).held).toBe(400);
    expect((await saturate('test', cfg, machine(50).runStep, quiet)).held).toBeNull();
  });

  it('runs a step that was not held once more: one noisy step does not end the search', async () => {
    const m = machine(3700, [2000, 3500]);
    const res = await saturate('test', cfg, m.runStep, quiet);
    expect(res.held).toBe(3700);
    expect(res.steps.filter((s) => !s.held).map((s) => s.rate)).toEqual([2000, 4000, 4000, 3500, 3800, 3800]);
  });

  it('bisect alone: rates are multiples of the resolution, each tried once', async () => {
    const tried: number[] = [];
    const held = await bisect({ from: 1000, resolution: 100, max: 8000 }, async (r) => { tried.push(r); return r <= 5432; });
    expect(held).toBe(5400);
    expect(tried).toEqual([1000, 2000, 4000, 8000, 6000, 5000, 5500, 5300, 5400]);
    expect(new Set(tried).size).toBe(tried.length);
  });
});

describe('a saturation step stops as soon as it cannot be held', () => {
  const stats = (dropped = 0) => [{ name: 'hb', target: 10_000, issued: 100, dropped, late: 0, maxLagMs: 0, inFlight: 1, peakInFlight: 1 }];

  it('on the first failure or drop, or once over 1 % of its arrivals were at or over the limit', () => {
    const m = new Metrics();
    const stop = stopRule(1000, cfg, m);
    expect(stop(stats())).toBeNull();
    expect(stop(stats(1))).toMatch(/1 dropped/);
    for (let i = 0; i < 100; i++) m.request({ endpoint: 'heartbeat' }, 100, false, 1); // 100 of 10,000 arrivals: p99 can still be under
    expect(stop(stats())).toBeNull();
    m.request({ endpoint: 'heartbeat' }, 250, false, 1);
    expect(stop(stats())).toMatch(/101 answers >= 100 ms/);
    m.request({ endpoint: 'heartbeat' }, 5, true, 1);
    expect(stop(stats())).toMatch(/1 failed/);
  });
});
