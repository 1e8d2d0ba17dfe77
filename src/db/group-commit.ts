// Group commit: while a statement of this kind is in flight, the next items wait and then go
// together in one statement (one transaction, one commit). At low load there is no timer: an item
// arriving when no statement is in flight is sent at once. Under load statements are also paced:
// when the arrival rate says at least `pace.minItems` items come within `pace.intervalMs`, the
// next statement leaves no sooner than that interval after the last one, so batches form even when
// each statement is quick (the database's cost per statement is mostly its commit).
import { performance } from 'node:perf_hooks';
import { chargeDbOps, currentDbOps, outsideDbOps, type DbOps } from './query-counter.ts';

interface Pending<I, O> {
  item: I;
  /** performance.now() when it arrived: still waiting at `withdrawAfterMs`, it is withdrawn. */
  arrived: number;
  ops: DbOps | undefined;
  resolve(o: O): void;
  reject(e: unknown): void;
}

export interface GroupCommitOptions<I, O> {
  /** Items per statement at most. */
  maxBatch: number;
  /** Pacing under load (see above); none: a statement goes as soon as the last one is back. */
  pace?: { intervalMs: number; minItems: number };
  /** One statement for the batch, answering one result per item, in order. */
  run(items: I[]): Promise<O[]>;
  /** What X-DB-Ops' statement list shows for it. */
  text: string;
  /** An error that is not the batch's fault (the database is down): fail every item with it. */
  isFatal(e: unknown): boolean;
  /**
   * An item not yet sent this long after it arrived is withdrawn with `withdrawn()` (a 503), so its
   * caller is answered in time while the database is away; one already sent is never stopped.
   */
  withdrawAfterMs?: number;
  withdrawn?(): Error;
  /**
   * A statement failed by a connection error after it may have been sent: its commit is in doubt.
   * It is sent again once, as a whole, on a new connection (the items must be idempotent: the same
   * item twice changes nothing more); each item then counts 2 round trips.
   */
  inDoubt?(e: unknown): boolean;
  onInDoubtRetry?(size: number, e: unknown): void;
  /** A batch failed and its items are retried one by one. */
  onRetry?(size: number, e: unknown): void;
  /** Each statement sent, with the number of items it carries. */
  onStatement?(size: number): void;
}

export class GroupCommit<I, O> {
  readonly #o: GroupCommitOptions<I, O>;
  readonly #queue: Pending<I, O>[] = [];
  #inFlight = false;
  #lastSend = -Infinity;
  #lastArrival = performance.now();
  // exponentially weighted mean time between arrivals (ms): tells load from quiet
  #gapMs = 1_000;
  #timer: NodeJS.Timeout | null = null;
  #watch: NodeJS.Timeout | null = null;

  constructor(o: GroupCommitOptions<I, O>) {
    this.#o = o;
  }

  /** Resolves once the statement that carried the item has committed; the caller's round trips count it once. */
  submit(item: I): Promise<O> {
    const now = performance.now();
    this.#gapMs += 0.05 * (Math.min(now - this.#lastArrival, 1_000) - this.#gapMs);
    this.#lastArrival = now;
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, arrived: now, ops: currentDbOps(), resolve, reject });
      this.#next();
    });
  }

  /** How long the next statement should wait for more items: 0 unless the load says more are coming. */
  #pacing(now: number): number {
    const p = this.#o.pace;
    if (!p || this.#queue.length >= this.#o.maxBatch || p.intervalMs / this.#gapMs < p.minItems) return 0;
    return Math.max(0, this.#lastSend + p.intervalMs - now);
  }

  #next(): void {
    if (this.#queue.length === 0) return;
    if (this.#inFlight) { // one statement in flight: the next batch forms behind it
      this.#watchQueue();
      return;
    }
    const now = performance.now();
    const wait = this.#pacing(now);
    if (wait > 0) {
      this.#timer ??= setTimeout(() => { this.#timer = null; this.#next(); }, wait);
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastSend = now;
    this.#inFlight = true;
    void this.#send(this.#queue.splice(0, this.#o.maxBatch));
  }

  /** Runs one statement; the next may go before anyone is answered, so an answer's next beat finds the way free. */
  async #send(batch: Pending<I, O>[]): Promise<void> {
    let outcome: { ok: true; results: O[] } | { ok: false; error: unknown };
    const t0 = performance.now();
    try {
      outcome = { ok: true, results: await this.#statement(batch) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const ms = performance.now() - t0;
    if (!outcome.ok && batch.length > 1 && !this.#o.isFatal(outcome.error)) {
      // one bad item must not fail its batch-mates: each goes again on its own, before the next batch
      this.#o.onRetry?.(batch.length, outcome.error);
      for (const b of batch) chargeDbOps(b.ops, this.#o.text, ms);
      for (const b of batch) await this.#alone(b);
      this.#release();
      return;
    }
    this.#release();
    batch.forEach((b, i) => {
      chargeDbOps(b.ops, this.#o.text, ms);
      if (outcome.ok) b.resolve(outcome.results[i]);
      else b.reject(outcome.error);
    });
  }

  async #alone(b: Pending<I, O>): Promise<void> {
    const t0 = performance.now();
    try {
      const [result] = await this.#statement([b]);
      chargeDbOps(b.ops, this.#o.text, performance.now() - t0);
      b.resolve(result);
    } catch (e) {
      chargeDbOps(b.ops, this.#o.text, performance.now() - t0);
      b.reject(e);
    }
  }

  /** While items wait behind a statement, every 250 ms the ones past their time are withdrawn (the queue is in arrival order). */
  #watchQueue(): void {
    const limit = this.#o.withdrawAfterMs;
    if (!limit || this.#watch) return;
    this.#watch = setInterval(() => {
      const due = performance.now() - limit;
      let n = 0;
      while (n < this.#queue.length && this.#queue[n].arrived <= due) n++;
      for (const p of this.#queue.splice(0, n)) p.reject(this.#o.withdrawn?.() ?? new Error('withdrawn: not sent in time'));
      if (this.#queue.length === 0 && this.#watch) { clearInterval(this.#watch); this.#watch = null; }
    }, 250);
    this.#watch.unref();
  }

  async #statement(batch: Pending<I, O>[]): Promise<O[]> {
    try {
      return await this.#once(batch);
    } catch (e) {
      if (!this.#o.inDoubt?.(e)) throw e;
      // its commit is in doubt: the same items again, on a new connection; a second failure is final
      this.#o.onInDoubtRetry?.(batch.length, e);
      for (const b of batch) chargeDbOps(b.ops, this.#o.text, 0);
      return this.#once(batch);
    }
  }

  #once(batch: Pending<I, O>[]): Promise<O[]> {
    this.#o.onStatement?.(batch.length);
    return outsideDbOps(this.#o.run, batch.map((b) => b.item)); // run directly from here: the heartbeat's path passes no file twice
  }

  #release(): void {
    this.#inFlight = false;
    this.#next();
  }
}
