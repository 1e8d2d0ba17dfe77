// Pure functions run inside Piscina worker threads: plain data in, plain data out.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import bcrypt from 'bcrypt';
import { buildWeeklyReport as build } from './weekly-report.ts';
import type { WeeklyReport, WeeklyReportInput } from '../domain/parental-controls/weekly-report-types.ts';

// Lowest CPU priority for this thread alone (Linux nice is per thread; pid 0 = the calling
// thread), so bcrypt only takes CPU that playback does not need. Where the OS refuses, the
// thread just keeps its priority.
try {
  os.setPriority(0, 19);
} catch { /* not permitted here */ }

/** A task's answer and how long it ran on this thread: the pool's admission control reads it. */
export interface Timed<T> { value: T; ms: number }

function timed<T>(work: () => T): Timed<T> {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

// the synchronous calls run on this (low-priority) thread; the async ones would run on libuv's
// shared thread pool at normal priority
export function hashSecret(input: { secret: string; cost: number }): Timed<string> {
  return timed(() => bcrypt.hashSync(input.secret, input.cost));
}

export function verifySecret(input: { secret: string; hash: string }): Timed<boolean> {
  return timed(() => bcrypt.compareSync(input.secret, input.hash));
}

export function buildWeeklyReport(input: WeeklyReportInput): Timed<WeeklyReport> {
  return timed(() => build(input));
}

/** Lets tests prove the work ran off the main thread, at the lowest priority. */
export function whereAmI(): Timed<{ threadId: number; priority: number }> {
  return timed(() => ({ threadId, priority: os.getPriority(0) }));
}
