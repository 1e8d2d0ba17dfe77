import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from '../accounts/user.entity.ts';

/**
 * A household's alert rules (SPEC §3a "Parent alerts"): what is pushed to the parents' devices. A
 * household without a row has the defaults: a time request and a limit reached on, no percentage,
 * breaks off. Webhooks get every event type they subscribed to, whatever these say.
 */
export const AlertRules = defineEntity({
  name: 'AlertRules',
  tableName: 'alert_rules',
  checks: [{ name: 'alert_rules_percent_check', expression: 'percent_used is null or (percent_used >= 50 and percent_used <= 95 and percent_used % 5 = 0)' }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.oneToOne(User).owner().unique().deleteRule('cascade'),
    timeRequest: p.boolean().default(true),
    limitReached: p.boolean().default(true),
    percentUsed: p.smallint().nullable(),
    breakStarted: p.boolean().default(false),
    updatedAt: p.datetime(),
  },
});
export type IAlertRules = InferEntity<typeof AlertRules>;
