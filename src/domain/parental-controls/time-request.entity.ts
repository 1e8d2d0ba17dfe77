import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';
import { User } from '../accounts/user.entity.ts';

export const REQUEST_MINUTES = [15, 30, 60] as const;
export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;

/** A child's "ask for more time": at most one pending per profile, enforced by the database. */
export const TimeRequest = defineEntity({
  name: 'TimeRequest',
  tableName: 'time_requests',
  indexes: [{ name: 'time_requests_profile_created_idx', properties: ['profile', 'createdAt'] }],
  uniques: [{ name: 'time_requests_one_pending_unique', properties: ['profile'], where: `status = 'pending'` }],
  checks: [
    { name: 'time_requests_minutes_check', expression: 'minutes in (15, 30, 60)' },
    { name: 'time_requests_status_check', expression: `status in ('pending', 'approved', 'denied', 'expired')` },
    { name: 'time_requests_granted_check', expression: 'minutes_granted is null or minutes_granted >= 15 and minutes_granted <= 120' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.manyToOne(Profile).deleteRule('cascade'),
    minutes: p.integer(),
    message: p.string().length(140).nullable(),
    status: p.string().length(10).default('pending'),
    answeredBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    answeredAt: p.datetime().nullable(),
    minutesGranted: p.integer().nullable(),
    unlimited: p.boolean().default(false),
    resetDate: p.date(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ITimeRequest = InferEntity<typeof TimeRequest>;
