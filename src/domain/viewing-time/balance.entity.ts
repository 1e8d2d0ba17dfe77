import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';

/** One row per profile per viewing day; written by the heartbeat statement's upsert. */
export const ViewingTimeBalance = defineEntity({
  name: 'ViewingTimeBalance',
  tableName: 'viewing_time_balances',
  uniques: [{ name: 'vtb_profile_reset_date_unique', properties: ['profile', 'resetDate'] }],
  indexes: [{ name: 'vtb_reset_date_idx', properties: ['resetDate'] }], // retention, by day
  checks: [
    { name: 'vtb_seconds_check', expression: 'used_seconds >= 0 and educational_seconds >= 0 and bonus_seconds >= 0' },
    { name: 'vtb_day_check', expression: 'day_end > day_start' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.manyToOne(Profile).deleteRule('cascade'),
    resetDate: p.date(),
    usedSeconds: p.integer().default(0),
    educationalSeconds: p.integer().default(0),
    bonusSeconds: p.integer().default(0),
    isUnlimitedOverride: p.boolean().default(false),
    dayStart: p.datetime(),
    dayEnd: p.datetime(),
    limitMinutes: p.integer().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IViewingTimeBalance = InferEntity<typeof ViewingTimeBalance>;
