import { LRUCache } from 'lru-cache';

export interface CacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  size: number;
  maxSize: number;
}

/**
 * A bounded LRU with a TTL in front of a loader. A hit is counted only when the value really
 * came from the cache; a load that raced an invalidation is returned but not stored.
 */
export class CachedLoader<K extends string, V extends object> {
  readonly #lru: LRUCache<K, V>;
  readonly #max: number;
  #epoch = 0;
  #hits = 0;
  #misses = 0;
  #invalidations = 0;

  /** `now` (ms) lets tests move time; by default the monotonic clock. */
  constructor(opts: { max: number; ttlMs: number; now?: () => number }) {
    // ttlResolution 0: read the clock on every check (lru-cache otherwise reuses a reading for a millisecond, and a test clock jumps)
    this.#lru = new LRUCache<K, V>({ max: opts.max, ttl: opts.ttlMs, ttlResolution: 0, updateAgeOnGet: false, ...(opts.now ? { perf: { now: opts.now } } : {}) });
    this.#max = opts.max;
  }

  peek(key: K): V | undefined {
    const v = this.#lru.get(key);
    if (v !== undefined) this.#hits++;
    return v;
  }

  /**
   * Like peek, but an entry past its TTL is returned too, marked stale (and kept), so the caller
   * can use it while refreshing it within work it does anyway. Only a fresh entry is a hit.
   */
  peekAllowStale(key: K): { value: V; fresh: boolean } | undefined {
    const status: LRUCache.Status<K, V> = {};
    const value = this.#lru.get(key, { allowStale: true, noDeleteOnStaleGet: true, status });
    if (value === undefined) return undefined;
    const fresh = status.get !== 'stale';
    if (fresh) this.#hits++;
    return { value, fresh };
  }

  async get(key: K, load: (key: K) => Promise<V | null>): Promise<V | null> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    this.#misses++;
    const epoch = this.#epoch;
    const loaded = await load(key);
    if (loaded !== null && epoch === this.#epoch) this.#lru.set(key, loaded);
    return loaded;
  }

  /** A token for fill(): taken before a batch load, it refuses values that raced an invalidation. */
  epoch(): number {
    return this.#epoch;
  }

  /** Stores a value loaded by someone else (a combined query) after a peek missed. */
  fill(epoch: number, key: K, value: V): void {
    this.#misses++;
    if (epoch === this.#epoch) this.#lru.set(key, value);
  }

  invalidate(key: K): void {
    this.#epoch++;
    this.#invalidations++;
    this.#lru.delete(key);
  }

  clear(): void {
    this.#epoch++;
    this.#invalidations++;
    this.#lru.clear();
  }

  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, invalidations: this.#invalidations, size: this.#lru.size, maxSize: this.#max };
  }
}
