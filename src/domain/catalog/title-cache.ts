import { CachedLoader } from '../shared/cached-loader.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';

export interface TitleFacts {
  id: string;
  isEducational: boolean;
}

/**
 * The educational flag of titles, cached so a heartbeat needs no title lookup; misses are filled
 * by the player context's combined query, changes drop the entry through the bus.
 */
export class TitleCache {
  readonly cache: CachedLoader<string, TitleFacts>;

  constructor(bus: InvalidationBus, opts: { max: number; ttlMs: number }) {
    this.cache = new CachedLoader(opts);
    bus.subscribe((m) => {
      if (m.entity === 'title') this.cache.invalidate(m.id);
      else if (m.entity === 'all') this.cache.clear();
    });
  }
}
