import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { WeeklyReport, WeeklyReportInput } from '../domain/parental-controls/weekly-report-types.ts';
import type { CpuWork } from '../domain/shared/cpu-work.ts';
import { AppError } from '../domain/shared/errors.ts';

export interface WorkerPoolOptions {
  threads: number;
  maxQueue: number;
  taskTimeoutMs?: number;
}

/** The only user of piscina: CPU-bound work (bcrypt, report aggregation) off the event loop. */
export class WorkerPool implements CpuWork {
  readonly #pool: Piscina;
  readonly #timeoutMs: number;
  readonly #capacity: number;
  #inFlight = 0;

  constructor(opts: WorkerPoolOptions) {
    const threads = Math.max(1, Math.min(opts.threads, availableParallelism() * 2));
    this.#pool = new Piscina({
      filename: new URL('./tasks.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      maxQueue: opts.maxQueue,
      idleTimeout: 60_000,
    });
    this.#timeoutMs = opts.taskTimeoutMs ?? 10_000;
    this.#capacity = threads + opts.maxQueue;
  }

  async #run<T>(name: string, data: unknown): Promise<T> {
    // back-pressure counted here (in flight = running + queued), so a full pool answers at once
    if (this.#inFlight >= this.#capacity) throw new AppError('too_many', 'busy', 'the service is busy; retry shortly', { retry_after: 1 });
    this.#inFlight++;
    // no abort signal: aborting tears down the thread under bcrypt's native code, which takes the
    // whole process down; past the deadline the caller gets a 503 and the task just finishes
    const task = (this.#pool.run(data, { name }) as Promise<T>).finally(() => { this.#inFlight--; });
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

  hash(secret: string, cost: number): Promise<string> {
    return this.#run('hashSecret', { secret, cost });
  }

  verify(secret: string, hash: string): Promise<boolean> {
    return this.#run('verifySecret', { secret, hash });
  }

  weeklyReport(input: WeeklyReportInput): Promise<WeeklyReport> {
    return this.#run('buildWeeklyReport', input);
  }

  whereAmI(): Promise<{ threadId: number }> {
    return this.#run('whereAmI', null);
  }

  stats(): { threads: number; queueSize: number; utilization: number } {
    return { threads: this.#pool.threads.length, queueSize: Math.max(0, this.#inFlight - this.#pool.threads.length), utilization: this.#pool.utilization };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
