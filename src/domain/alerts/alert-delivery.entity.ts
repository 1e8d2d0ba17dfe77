import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One alert to one target (a webhook or a push subscription): one per (event, target), whatever
 * re-runs the relay makes. Its status as the delivery worker left it: pending, delivered or failed
 * (retried until ALERT_RETRY_HORIZON_HOURS). Kept 30 days.
 */
export const AlertDelivery = defineEntity({
  name: 'AlertDelivery',
  tableName: 'alert_deliveries',
  uniques: [{ name: 'alert_deliveries_event_target_unique', properties: ['eventId', 'targetKind', 'targetId'] }],
  indexes: [{ name: 'alert_deliveries_created_idx', properties: ['createdAt'] }],
  checks: [
    { name: 'alert_deliveries_kind_check', expression: `target_kind in ('webhook', 'push')` },
    { name: 'alert_deliveries_status_check', expression: `status in ('pending', 'delivered', 'failed')` },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    eventId: p.bigint('number').nullable(), // null: a webhook's test delivery
    targetKind: p.string().length(7),
    targetId: p.uuid(),
    household: p.uuid(),
    type: p.string().length(40),
    status: p.string().length(9).default('pending'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    deliveredAt: p.datetime().nullable(),
  },
});
export type IAlertDelivery = InferEntity<typeof AlertDelivery>;
