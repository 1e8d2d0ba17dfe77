import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from '../accounts/user.entity.ts';

/**
 * A Web Push subscription of a parent's browser: unique by endpoint (subscribing again moves it to
 * the current login), bound to the login (refresh-token family) that made it, which removes it on
 * logout or revocation; a push service's 404 or 410 removes it too.
 */
export const PushSubscription = defineEntity({
  name: 'PushSubscription',
  tableName: 'push_subscriptions',
  indexes: [{ name: 'push_subscriptions_user_idx', properties: ['user'] }, { name: 'push_subscriptions_family_idx', properties: ['family'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    family: p.uuid(),
    endpoint: p.text().unique(),
    p256dh: p.string().length(200),
    auth: p.string().length(100),
    createdAt: p.datetime(),
  },
});
export type IPushSubscription = InferEntity<typeof PushSubscription>;
