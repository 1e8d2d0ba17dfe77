import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';

const limitCheck = (col: string) => `${col} is null or (${col} >= 15 and ${col} <= 480 and ${col} % 15 = 0)`;

/**
 * One per kids profile. A change of reset hour or timezone takes effect at the next day boundary:
 * the settings in force until then are kept in previous_* with settings_effective_at.
 */
export const ViewingTimeConfig = defineEntity({
  name: 'ViewingTimeConfig',
  tableName: 'viewing_time_configs',
  checks: [
    { name: 'vtc_weekday_limit_check', expression: limitCheck('weekday_limit_minutes') },
    { name: 'vtc_weekend_limit_check', expression: limitCheck('weekend_limit_minutes') },
    { name: 'vtc_reset_hour_check', expression: 'reset_hour >= 0 and reset_hour <= 23' },
    { name: 'vtc_previous_reset_hour_check', expression: 'previous_reset_hour is null or previous_reset_hour >= 0 and previous_reset_hour <= 23' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.oneToOne(Profile).owner().deleteRule('cascade').unique(),
    weekdayLimitMinutes: p.integer().nullable(),
    weekendLimitMinutes: p.integer().nullable(),
    resetHour: p.smallint(),
    educationalExempt: p.boolean(),
    timezone: p.string().length(64),
    previousResetHour: p.smallint().nullable(),
    previousTimezone: p.string().length(64).nullable(),
    settingsEffectiveAt: p.datetime().nullable(),
    // {"weekdays": [{"from": "07:00", "to": "20:00"}], "weekends": []}: local windows, empty = any time
    allowedHours: p.json<{ weekdays: { from: string; to: string }[]; weekends: { from: string; to: string }[] }>().default('{"weekdays":[],"weekends":[]}'),
    educationalIgnoresHours: p.boolean().default(false),
    version: p.integer().default(1),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IViewingTimeConfig = InferEntity<typeof ViewingTimeConfig>;

export const CONFIG_DEFAULTS = { weekdayLimitMinutes: 120, weekendLimitMinutes: 180, resetHour: 6, educationalExempt: true } as const;
