import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { WorkerPool } from '../../src/workers/pool.ts';

describe('bcrypt runs in worker threads', () => {
  const pool = new WorkerPool({ threads: 2, maxQueue: 100 });
  afterAll(() => pool.close());

  it('runs tasks on a thread other than the main one', async () => {
    const where = await pool.whereAmI();
    expect(where.threadId).not.toBe(threadId);
    expect(where.threadId).toBeGreaterThan(0);
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
