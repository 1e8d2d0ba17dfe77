// Pure functions run inside Piscina worker threads: plain data in, plain data out.
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import bcrypt from 'bcrypt';
import { buildWeeklyReport as build } from './weekly-report.ts';
import type { WeeklyReport, WeeklyReportInput } from '../domain/parental-controls/weekly-report-types.ts';

// Lowest CPU priority for this thread alone, so bcrypt only takes CPU that playback does not need.
// Linux scheduling is per thread (pid 0 = the calling thread): nice 19, then the SCHED_IDLE policy,
// whose threads yield at once to any normal thread that wakes. Nice 19 alone is not enough on an
// EEVDF kernel: a running thread keeps the CPU for up to its slice (~3 ms) before a woken event
// loop or PostgreSQL backend gets it, at every wake-up of a heartbeat. No Node API sets the policy;
// util-linux's chrt does (any user may lower its own thread to SCHED_IDLE). Where either is
// refused or missing, the thread keeps what it has.
try {
  os.setPriority(0, 19);
} catch { /* not permitted here */ }
try {
  const tid = readlinkSync('/proc/thread-self').split('/').pop()!; // this thread's Linux id
  spawnSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5_000 });
} catch { /* not Linux, or no chrt */ }

/** This thread's scheduling policy as Linux reports it (field 41 of /proc/thread-self/stat). */
function policy(): string {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    return ({ 0: 'normal', 3: 'batch', 5: 'idle' } as Record<string, string>)[fields[41 - 3]] ?? `policy ${fields[41 - 3]}`;
  } catch {
    return 'unknown';
  }
}

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
export function whereAmI(): Timed<{ threadId: number; priority: number; policy: string }> {
  return timed(() => ({ threadId, priority: os.getPriority(0), policy: policy() }));
}
