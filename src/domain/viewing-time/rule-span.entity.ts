import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';
import { User } from '../accounts/user.entity.ts';

/**
 * A parental pause or a break of one kids profile: from started_at to ends_at (a pause until lifted
 * has none), or to closed_at when that comes first (lifted or replaced). A pause that ran out gets
 * closed_at = ends_at from the sweep that writes its `expired` event. The heartbeat reads a
 * profile's open pause (at most one: a partial unique index); the reports count both per day.
 */
export const FamilyRuleSpan = defineEntity({
  name: 'FamilyRuleSpan',
  tableName: 'family_rule_spans',
  indexes: [{ name: 'frs_profile_started_idx', properties: ['profile', 'startedAt'] }],
  uniques: [{ name: 'frs_one_active_pause', properties: ['profile'], where: `kind = 'pause' and closed_at is null` }],
  checks: [
    { name: 'frs_kind_check', expression: `kind in ('pause', 'break')` },
    { name: 'frs_span_check', expression: '(ends_at is null or ends_at > started_at) and (closed_at is null or closed_at >= started_at)' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.manyToOne(Profile).deleteRule('cascade'),
    kind: p.string().length(5),
    startedAt: p.datetime(),
    endsAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    setBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});
export type IFamilyRuleSpan = InferEntity<typeof FamilyRuleSpan>;
