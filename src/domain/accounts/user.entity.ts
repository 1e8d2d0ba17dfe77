import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** The household account. Email is stored lower-case (enforced by a CHECK, not only in code). */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  checks: [{ name: 'users_email_lower_check', expression: 'email = lower(email)' }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    email: p.string().length(254).unique(),
    passwordHash: p.string().length(100),
    timezone: p.string().length(64).default('UTC'),
    isAdmin: p.boolean().default(false),
    // the platform's plan, read by the old apps; vtime stores it and does not act on it
    subscriptionTier: p.string().length(20).default('basic'),
    isActive: p.boolean().default(true),
    pinHash: p.string().length(100).nullable(),
    pinFailedAttempts: p.integer().default(0),
    pinLockoutCount: p.integer().default(0),
    pinLockoutUntil: p.datetime().nullable(),
    pinResetFailedAttempts: p.integer().default(0),
    pinResetLockoutUntil: p.datetime().nullable(),
    // PIN tokens carry it; a PIN change, reset or lock moves it on and ends them all
    pinEpoch: p.integer().default(0),
    // PIN checks under way (counted before bcrypt runs, with failures, against the limit of 5)
    pinChecksPending: p.integer().default(0),
    pinPendingSince: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IUser = InferEntity<typeof User>;
