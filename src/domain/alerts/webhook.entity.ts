import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from '../accounts/user.entity.ts';

/**
 * A household's webhook (Standard Webhooks): the URL, the event types it gets, its signing secret
 * (`whsec_…`, shown once), and its last delivery as the delivery worker left it.
 */
export const Webhook = defineEntity({
  name: 'Webhook',
  tableName: 'webhooks',
  indexes: [{ name: 'webhooks_user_idx', properties: ['user'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    url: p.text(),
    events: p.type('string').columnType('text[]'),
    secret: p.string().length(100),
    createdAt: p.datetime(),
    lastStatus: p.string().length(10).nullable(),
    lastAttempts: p.integer().default(0),
    lastError: p.text().nullable(),
    lastDeliveryAt: p.datetime().nullable(),
  },
});
export type IWebhook = InferEntity<typeof Webhook>;
