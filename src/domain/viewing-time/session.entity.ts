import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';
import { Title } from '../catalog/title.entity.ts';

export const DEVICE_TYPES = ['tv', 'mobile', 'tablet', 'web'] as const;

/**
 * A playback session. At most one active (ended_at is null) per profile, enforced by a unique
 * partial index. Deleting a title keeps the session (title_id set null), so history survives.
 */
export const ViewingSession = defineEntity({
  name: 'ViewingSession',
  tableName: 'viewing_sessions',
  indexes: [
    { name: 'viewing_sessions_profile_started_idx', columns: [{ name: 'profile_id' }, { name: 'started_at', sort: 'DESC' }] },
    // the retention job finds ended sessions by age without scanning the table
    { name: 'viewing_sessions_retention_idx', properties: ['startedAt'], where: 'ended_at is not null' },
  ],
  uniques: [{ name: 'viewing_sessions_one_active_unique', properties: ['profile'], where: 'ended_at is null' }],
  checks: [
    { name: 'vs_device_type_check', expression: `device_type in ('tv', 'mobile', 'tablet', 'web')` },
    { name: 'vs_end_reason_check', expression: `end_reason is null or end_reason in ('ended', 'superseded', 'stale')` },
    { name: 'vs_ended_check', expression: '(ended_at is null) = (end_reason is null)' },
    { name: 'vs_total_seconds_check', expression: 'total_seconds >= 0' },
    { name: 'vs_grace_check', expression: `(grace_until is null) = (grace_kind is null) and (grace_kind is null or grace_kind in ('budget', 'window'))` },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.manyToOne(Profile).deleteRule('cascade'),
    title: () => p.manyToOne(Title).nullable().deleteRule('set null').index(),
    deviceId: p.string().length(128),
    deviceType: p.string().length(10),
    isEducational: p.boolean(),
    startedAt: p.datetime(),
    lastHeartbeatAt: p.datetime(),
    lastSeq: p.bigint('number').nullable(),
    pausedAt: p.datetime().nullable(),
    endedAt: p.datetime().nullable(),
    endReason: p.string().length(10).nullable(),
    totalSeconds: p.integer().default(0),
    // what the last beat credited (RETURNING cannot see the old values it was computed from)
    lastCreditSeconds: p.integer().default(0),
    // a finishing grace running: until when, and for which limit ('budget' or 'window')
    graceUntil: p.datetime().nullable(),
    graceKind: p.string().length(6).nullable(),
  },
});
export type IViewingSession = InferEntity<typeof ViewingSession>;
