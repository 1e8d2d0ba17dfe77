import { monitorEventLoopDelay } from 'node:perf_hooks';
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { WorkerPool } from '../../src/workers/pool.ts';

describe('bcrypt runs in worker threads', () => {
  // a wait budget nothing here exceeds: these tests are about the threads, not admission control
  const pool = new WorkerPool({ threads: 2, maxQueue: 100, maxWaitMs: 60_000 });
  afterAll(() => pool.close());

  it('runs tasks on a thread other than the main one, at the lowest priority, leaving the main thread at its own', async () => {
    const where = await pool.whereAmI();
    expect(where.threadId).not.toBe(threadId);
    expect(where.threadId).toBeGreaterThan(0);
    expect(where.priority).toBe(19); // nice is per thread on Linux: only the pool's threads are lowered
    expect(where.policy).toBe('idle'); // SCHED_IDLE: a woken event loop takes the CPU at once
    expect(os.getPriority(0)).toBeLessThan(19);
  });

  it('hashes and verifies for real', async () => {
    const hash = await pool.hash('1234', 4);
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await pool.verify('1234', hash)).toBe(true);
    expect(await pool.verify('1235', hash)).toBe(false);
  });

  it('keeps the event loop responsive while cost-12 hashes run', async () => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const started = performance.now();
    await Promise.all(Array.from({ length: 4 }, () => pool.hash('1234', 12)));
    const elapsed = performance.now() - started;
    h.disable();
    // four cost-12 hashes take hundreds of ms of CPU; on the loop they would delay it by as much
    expect(elapsed).toBeGreaterThan(150);
    expect(h.max / 1e6).toBeLessThan(elapsed / 2);
  });
});

describe('back-pressure', () => {
  it('a full queue answers "busy" (429 with Retry-After), not an unknown error', async () => {
    const tiny = new WorkerPool({ threads: 1, maxQueue: 1 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => tiny.hash('1234', 10)));
    await tiny.close();
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ kind: 'too_many', code: 'busy', extra: { retry_after: 1 } });
  });
});

describe('admission control', () => {
  it('refuses at once what could not start within the wait budget, long before the queue is full', async () => {
    const pool = new WorkerPool({ threads: 1, maxQueue: 1000, maxWaitMs: 300 });
    try {
      await pool.hash('warm', 11); // measures this kind's run time
      const started = performance.now();
      const refusedAt: number[] = [];
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => pool.hash('1234', 11).catch((e) => { refusedAt.push(performance.now() - started); throw e; })));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
      expect(refused.length).toBeGreaterThan(10);
      expect(refused.length).toBeLessThan(30);
      expect(refused[0]).toMatchObject({ kind: 'too_many', code: 'busy' });
      expect(refused[0].extra.retry_after).toBeGreaterThanOrEqual(1);
      expect(Math.max(...refusedAt)).toBeLessThan(50); // answered at once, not after a timeout
      expect(pool.stats().refused).toBe(refused.length);
    } finally {
      await pool.close();
    }
  });

  it('a slot released unused gives its place back', async () => {
    const pool = new WorkerPool({ threads: 1, maxQueue: 10, maxWaitMs: 10 });
    try {
      await pool.verify('x', await pool.hash('x', 12)); // measures a cost-12 check
      const a = pool.verifySlot(12);
      expect(pool.expectedWaitMs()).toBeGreaterThan(10);
      expect(() => pool.verifySlot(12)).toThrow(expect.objectContaining({ code: 'busy' }));
      a.release();
      a.release(); // idempotent
      expect(pool.expectedWaitMs()).toBe(0);
      pool.verifySlot(12).release();
    } finally {
      await pool.close();
    }
  });
});
