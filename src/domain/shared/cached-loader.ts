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

  constructor(opts: { max: number; ttlMs: number }) {
    this.#lru = new LRUCache<K, V>({ max: opts.max, ttl: opts.ttlMs, updateAgeOnGet: false });
    this.#max = opts.max;
  }

  peek(key: K): V | undefined {
    const v = this.#lru.get(key);
    if (v !== undefined) this.#hits++;
    return v;
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

  set(key: K, value: V): void {
    this.#lru.set(key, value);
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
