import type { EntityManager } from '@mikro-orm/core';
import { notFound } from '../shared/errors.ts';
import { Title, type ITitle } from './title.entity.ts';

export interface TitleInput {
  title: string;
  is_educational: boolean;
  duration_minutes: number;
  age_rating: string;
}

export function titleView(t: ITitle) {
  return { id: t.id, title: t.title, is_educational: t.isEducational, duration_minutes: t.durationMinutes, age_rating: t.ageRating };
}

export class CatalogService {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  async list(limit: number, offset: number): Promise<{ items: ITitle[]; total: number }> {
    const [items, total] = await this.#em.findAndCount(Title, {}, { limit, offset, orderBy: { title: 'asc', id: 'asc' } });
    return { items, total };
  }

  async create(input: TitleInput): Promise<ITitle> {
    const t = this.#em.create(Title, {
      title: input.title, isEducational: input.is_educational, durationMinutes: input.duration_minutes, ageRating: input.age_rating,
    });
    await this.#em.flush();
    return t;
  }

  async update(id: string, patch: Partial<TitleInput>): Promise<ITitle> {
    const t = await this.#em.findOne(Title, { id });
    if (!t) throw notFound('title');
    if (patch.title !== undefined) t.title = patch.title;
    if (patch.is_educational !== undefined) t.isEducational = patch.is_educational;
    if (patch.duration_minutes !== undefined) t.durationMinutes = patch.duration_minutes;
    if (patch.age_rating !== undefined) t.ageRating = patch.age_rating;
    await this.#em.flush();
    return t; // heartbeats read the title in their statement: nothing cached to drop
  }
}
