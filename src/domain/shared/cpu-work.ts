/** One bcrypt check the pool has agreed to run: verify it, or release the place unused. */
export interface CpuSlot {
  verify(secret: string, hash: string): Promise<boolean>;
  release(): void;
}

/** CPU-bound work the domain needs; main.ts fills it with the worker-thread pool. */
export interface CpuWork {
  hash(secret: string, cost: number): Promise<string>;
  verify(secret: string, hash: string): Promise<boolean>;
  /** A place for one check of this bcrypt cost, taken before an attempt is counted: throws 429 busy when it could not start in time. */
  verifySlot(cost: number): CpuSlot;
}
