import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';

/**
 * One row per profile per viewing day, holding that day's facts as the time rules computed them
 * (start, end, the limit in force, the educational exemption), so the heartbeat statement finds
 * today's row by instant and never needs the settings. A settings change rewrites today's row in
 * its own transaction; the row is created by the first heartbeat or grant of the day.
 */
export const ViewingTimeBalance = defineEntity({
  name: 'ViewingTimeBalance',
  tableName: 'viewing_time_balances',
  uniques: [{ name: 'vtb_profile_reset_date_unique', properties: ['profile', 'resetDate'] }],
  indexes: [
    { name: 'vtb_reset_date_idx', properties: ['resetDate'] }, // retention, by day
    { name: 'vtb_profile_day_end_idx', properties: ['profile', 'dayEnd'] }, // the day containing an instant
  ],
  checks: [
    { name: 'vtb_seconds_check', expression: 'used_seconds >= 0 and educational_seconds >= 0 and bonus_seconds >= 0' },
    { name: 'vtb_day_check', expression: 'day_end > day_start' },
    { name: 'vtb_week_bank_check', expression: 'bank_seconds >= 0 and week_used_seconds >= 0 and week_bonus_seconds >= 0 and overtime_seconds >= 0' },
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
    educationalExempt: p.boolean().default(true),
    // the day's allowed instants (a tstzmultirange literal); null: any time, '{}': none
    allowed: p.string().columnType('tstzmultirange').nullable(),
    educationalIgnoresHours: p.boolean().default(false),
    // heartbeats answered outside the allowed hours: the time they would have credited
    refusedSeconds: p.integer().default(0),
    // what the last credit update granted (RETURNING cannot see the old values)
    creditedSeconds: p.integer().default(0),
    // the break rule the day's beats apply (a day fact, like the limit)
    breakAfterMinutes: p.integer().nullable(),
    breakMinutes: p.integer().nullable(),
    // continuous counted viewing towards a break, to the instant it was last counted, and a break
    // running: carried from each day row to the next (a break is per profile, not per day)
    continuousSeconds: p.integer().default(0),
    countedAt: p.datetime().nullable(),
    breakUntil: p.datetime().nullable(),
    // whether the last credit update started a break (RETURNING cannot see the old values)
    creditStartedBreak: p.boolean().default(false),
    // the week and the bank, as day facts (rewritten by a settings change) ...
    weeklyLimitMinutes: p.integer().nullable(),
    weekEnd: p.datetime().nullable(),
    bankCapMinutes: p.integer().nullable(),
    // ... and as computed when the row was created (vt_week): the bank at the day's start, what the
    // week's earlier days counted and were granted
    bankSeconds: p.integer().default(0),
    weekUsedSeconds: p.integer().default(0),
    weekBonusSeconds: p.integer().default(0),
    // finishing the title: the grace the day allows, the time watched in graces, the graces used
    finishGraceMinutes: p.smallint().default(0),
    overtimeSeconds: p.integer().default(0),
    graceBudgetUsed: p.boolean().default(false),
    graceWindowEnds: p.type('string').columnType('timestamptz[]').defaultRaw(`'{}'`),
    // parent alerts: the percent-of-limit threshold already alerted today, and whether the last credit crossed it
    percentAlerted: p.smallint().nullable(),
    creditAlertedPercent: p.boolean().default(false),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IViewingTimeBalance = InferEntity<typeof ViewingTimeBalance>;
