import type { EntityManager } from '@mikro-orm/core';
import { CachedLoader } from '../shared/cached-loader.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import { Title } from './title.entity.ts';

export interface TitleFacts {
  id: string;
  isEducational: boolean;
}

/** The educational flag of titles, cached so a heartbeat needs no title lookup. */
export class TitleCache {
  readonly #em: EntityManager;
  readonly cache: CachedLoader<string, TitleFacts>;

  constructor(em: EntityManager, bus: InvalidationBus, opts: { max: number; ttlMs: number }) {
    this.#em = em;
    this.cache = new CachedLoader(opts);
    bus.subscribe((m) => {
      if (m.entity === 'title') this.cache.invalidate(m.id);
      else if (m.entity === 'all') this.cache.clear();
    });
  }

  get(id: string): Promise<TitleFacts | null> {
    return this.cache.get(id, async () => {
      const t = await this.#em.findOne(Title, { id }, { fields: ['isEducational'] });
      return t ? { id, isEducational: t.isEducational } : null;
    });
  }
}
