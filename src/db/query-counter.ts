import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';

/** Round trips made while serving one unit of work (a request, a job). */
export interface DbOps {
  count: number;
  ms: number;
  statements: string[];
}

const scope = new AsyncLocalStorage<DbOps>();
const wrapped = new WeakSet<object>();
let totalRoundTrips = 0;

/** Runs fn with a fresh counter; every query the driver sends inside it is counted there. */
export function countDbOps<T>(fn: () => Promise<T>): { ops: DbOps; result: Promise<T> } {
  const ops: DbOps = { count: 0, ms: 0, statements: [] };
  return { ops, result: scope.run(ops, fn) };
}

/** The counter of the unit of work running now (a request), if any. */
export function currentDbOps(): DbOps | undefined {
  return scope.getStore();
}

/** Runs fn outside any unit of work: its round trips are charged explicitly (group commit), not to whoever happened to start it. */
export function outsideDbOps<A extends unknown[], T>(fn: (...args: A) => Promise<T>, ...args: A): Promise<T> {
  return scope.exit(fn, ...args);
}

/** Charges one round trip that carried this unit of work (a statement it shared with others counts 1 for each). */
export function chargeDbOps(ops: DbOps | undefined, text: string, ms: number): void {
  if (!ops) return;
  ops.count++;
  ops.statements.push(text);
  ops.ms += ms;
}

export function totalDbRoundTrips(): number {
  return totalRoundTrips;
}

/**
 * Counts at the driver: every pg client the pool creates has its query() wrapped, so BEGIN,
 * COMMIT and ORM-generated SQL are all seen, whoever sends them.
 */
export function instrumentPool(pool: Pool): void {
  pool.on('connect', (client: PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      totalRoundTrips++;
      const ops = scope.getStore();
      const result = original(...args);
      if (!ops) return result;
      ops.count++;
      ops.statements.push(statementText(args[0]));
      if (!(result instanceof Promise)) return result;
      const started = performance.now();
      return result.finally(() => { ops.ms += performance.now() - started; });
    };
  });
}

function statementText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'text' in arg) return String((arg as { text: unknown }).text);
  return String(arg);
}
