import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const Title = defineEntity({
  name: 'Title',
  tableName: 'titles',
  checks: [{ name: 'titles_duration_check', expression: 'duration_minutes >= 1 and duration_minutes <= 1440' }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    title: p.string().length(200),
    isEducational: p.boolean().default(false),
    durationMinutes: p.integer(),
    ageRating: p.string().length(5),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ITitle = InferEntity<typeof Title>;
