import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';

/** A viewing day's own allowed windows: [] no viewing that day, null no restriction that day. */
export const ViewingTimeOverride = defineEntity({
  name: 'ViewingTimeOverride',
  tableName: 'viewing_time_overrides',
  uniques: [{ name: 'vto_profile_date_unique', properties: ['profile', 'date'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.manyToOne(Profile).deleteRule('cascade'),
    date: p.date(),
    windows: p.json<{ from: string; to: string }[]>().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IViewingTimeOverride = InferEntity<typeof ViewingTimeOverride>;
