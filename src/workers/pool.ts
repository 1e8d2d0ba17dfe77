import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ReportWork, WeeklyReport, WeeklyReportInput } from '../domain/parental-controls/weekly-report-types.ts';
import type { CpuSlot, CpuWork } from '../domain/shared/cpu-work.ts';
import { AppError } from '../domain/shared/errors.ts';
import type { Timed } from './tasks.ts';

export interface WorkerPoolOptions {
  threads: number;
  maxQueue: number;
  /** Admission control: work expected to wait longer than this before a thread starts it is refused at once (429 busy). */
  maxWaitMs?: number;
  /** A safety net only: admitted work normally finishes long before it. */
  taskTimeoutMs?: number;
}

export interface PoolStats {
  threads: number;
  queueSize: number;
  utilization: number;
  /** Tasks refused by admission control since start. */
  refused: number;
}

/** What an admitted task is expected to cost, held in the queue's expected work until it ends. */
interface Ticket { kind: string; expectedMs: number; done: boolean }

// the mean follows a slower run at once and a faster one gradually: an underestimate admits work
// that then waits too long, an overestimate only refuses a little early
const EWMA_UP = 0.5;
const EWMA_DOWN = 0.1;
const costOf = (hash: string) => Number(/^\$2[aby]?\$(\d\d)\$/.exec(hash)?.[1] ?? 12);
// before the first measurement: 2^cost rounds take about 2^cost / 16 ms on a free current core
// (cost 12: 256 ms); at the lowest priority under load, assume twice that
const bcryptPriorMs = (cost: number) => 2 ** cost / 8;
const REPORT_PRIOR_MS = 50;
/** How long a caller waits for admitted CPU work before it answers 503 (taskTimeoutMs's default). */
export const CPU_TASK_TIMEOUT_MS = 10_000;

/**
 * The only user of piscina: CPU-bound work (bcrypt, report aggregation) off the event loop, on
 * threads at the lowest priority (tasks.ts). It refuses work it cannot start in time: the queue's
 * expected wait is the work ahead (each task at its kind's measured mean) shared over the threads.
 */
export class WorkerPool implements CpuWork, ReportWork {
  readonly #pool: Piscina;
  readonly #threads: number;
  readonly #timeoutMs: number;
  readonly #maxWaitMs: number;
  readonly #capacity: number;
  /** Mean run time per kind of task (e.g. verify:12), measured on the worker threads. */
  readonly #meanMs = new Map<string, number>();
  #inFlight = 0;
  #aheadMs = 0;
  #refused = 0;

  constructor(opts: WorkerPoolOptions) {
    this.#threads = Math.max(1, Math.min(opts.threads, availableParallelism() * 2));
    this.#pool = new Piscina({
      filename: new URL('./tasks.ts', import.meta.url).href,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      maxQueue: opts.maxQueue,
      idleTimeout: 60_000,
    });
    this.#timeoutMs = opts.taskTimeoutMs ?? CPU_TASK_TIMEOUT_MS;
    this.#maxWaitMs = opts.maxWaitMs ?? 750;
    this.#capacity = this.#threads + opts.maxQueue;
  }

  /** The wait a task admitted now would have before a thread starts it. */
  expectedWaitMs(): number {
    return this.#inFlight < this.#threads ? 0 : this.#aheadMs / this.#threads;
  }

  /** A place for one task of this kind, or 429 busy (with Retry-After) when it could not start in time. */
  #admit(kind: string, priorMs: number): Ticket {
    const wait = this.expectedWaitMs();
    if (this.#inFlight >= this.#capacity || wait > this.#maxWaitMs) {
      this.#refused++;
      throw new AppError('too_many', 'busy', 'the service is busy; retry shortly', { retry_after: Math.max(1, Math.ceil(wait / 1000)) });
    }
    const expectedMs = this.#meanMs.get(kind) ?? priorMs; // until a task of this kind has been measured

    this.#inFlight++;
    this.#aheadMs += expectedMs;
    return { kind, expectedMs, done: false };
  }

  #release(t: Ticket): void {
    if (t.done) return;
    t.done = true;
    this.#inFlight--;
    this.#aheadMs = Math.max(0, this.#aheadMs - t.expectedMs);
  }

  #learn(kind: string, ms: number): void {
    const mean = this.#meanMs.get(kind);
    this.#meanMs.set(kind, mean === undefined ? ms : mean + (ms > mean ? EWMA_UP : EWMA_DOWN) * (ms - mean));
  }

  async #run<T>(t: Ticket, name: string, data: unknown): Promise<T> {
    if (t.done) throw new Error('a CPU slot runs one task');
    // no abort signal: aborting tears down the thread under bcrypt's native code, which takes the
    // whole process down; past the deadline the caller gets a 503 and the task just finishes
    const task = (this.#pool.run(data, { name }) as Promise<Timed<T>>)
      .then((r) => { this.#learn(t.kind, r.ms); return r.value; })
      .finally(() => this.#release(t));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('unavailable', 'cpu_timeout', 'the work took too long; retry shortly', { retry_after: 2 })), this.#timeoutMs);
    });
    try {
      return await Promise.race([task, deadline]);
    } finally {
      clearTimeout(timer);
      task.catch(() => {}); // a task that finishes after its deadline has nobody waiting
    }
  }

  /** Admission first, the work later: callers count an attempt only once the pool has agreed to run it. */
  verifySlot(cost: number): CpuSlot {
    const t = this.#admit(`verify:${cost}`, bcryptPriorMs(cost));
    return {
      verify: (secret, hash) => this.#run<boolean>(t, 'verifySecret', { secret, hash }),
      release: () => this.#release(t),
    };
  }

  async hash(secret: string, cost: number): Promise<string> {
    return this.#run(this.#admit(`hash:${cost}`, bcryptPriorMs(cost)), 'hashSecret', { secret, cost });
  }

  async verify(secret: string, hash: string): Promise<boolean> {
    const cost = costOf(hash);
    return this.#run(this.#admit(`verify:${cost}`, bcryptPriorMs(cost)), 'verifySecret', { secret, hash });
  }

  async weeklyReport(input: WeeklyReportInput): Promise<WeeklyReport> {
    return this.#run(this.#admit('report', REPORT_PRIOR_MS), 'buildWeeklyReport', input);
  }

  async whereAmI(): Promise<{ threadId: number; priority: number; policy: string }> {
    return this.#run(this.#admit('where', 1), 'whereAmI', null);
  }

  stats(): PoolStats {
    return { threads: this.#pool.threads.length, queueSize: Math.max(0, this.#inFlight - this.#threads), utilization: this.#pool.utilization, refused: this.#refused };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
