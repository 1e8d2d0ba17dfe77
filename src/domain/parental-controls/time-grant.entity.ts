import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';
import { User } from '../accounts/user.entity.ts';
import { TimeRequest } from './time-request.entity.ts';

/** Append-only ledger of extra time; minutes null = unlimited for that viewing day. */
export const TimeGrant = defineEntity({
  name: 'TimeGrant',
  tableName: 'time_grants',
  indexes: [
    { name: 'time_grants_profile_date_idx', properties: ['profile', 'resetDate'] },
    { name: 'time_grants_granted_at_idx', properties: ['grantedAt'] }, // retention, by age
  ],
  checks: [{ name: 'time_grants_minutes_check', expression: 'minutes is null or minutes >= 15 and minutes <= 120' }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.manyToOne(Profile).deleteRule('cascade'),
    grantedBy: () => p.manyToOne(User).deleteRule('cascade').index(),
    minutes: p.integer().nullable(),
    resetDate: p.date(),
    deviceId: p.string().length(128).nullable(),
    grantedAt: p.datetime().onCreate(() => new Date()),
    // the time request this grant answered, if any
    request: () => p.manyToOne(TimeRequest).nullable().deleteRule('set null').index(),
  },
});
export type ITimeGrant = InferEntity<typeof TimeGrant>;
