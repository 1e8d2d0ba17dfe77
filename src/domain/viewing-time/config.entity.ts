import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from '../accounts/profile.entity.ts';

const limitCheck = (col: string) => `${col} is null or (${col} >= 15 and ${col} <= 480 and ${col} % 15 = 0)`;

/** The days of the week as the settings name them, Monday first (the viewing week's order). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * One per kids profile. A change of reset hour or timezone takes effect at the next day boundary:
 * the settings in force until then are kept in previous_* with settings_effective_at.
 */
export const ViewingTimeConfig = defineEntity({
  name: 'ViewingTimeConfig',
  tableName: 'viewing_time_configs',
  checks: [
    ...WEEKDAYS.map((d) => ({ name: `vtc_${d}_limit_check`, expression: limitCheck(`${d}_limit_minutes`) })),
    { name: 'vtc_break_rule_check', expression: '(break_after_minutes is null) = (break_minutes is null) and (break_after_minutes is null or (break_after_minutes >= 15 and break_after_minutes <= 180 and break_after_minutes % 15 = 0 and break_minutes >= 5 and break_minutes <= 60 and break_minutes % 5 = 0))' },
    { name: 'vtc_weekly_limit_check', expression: 'weekly_limit_minutes is null or (weekly_limit_minutes >= 60 and weekly_limit_minutes <= 3360 and weekly_limit_minutes % 15 = 0)' },
    { name: 'vtc_bank_check', expression: '(bank_cap_minutes is null) = (bank_from is null) and (bank_cap_minutes is null or (bank_cap_minutes >= 15 and bank_cap_minutes <= 240 and bank_cap_minutes % 15 = 0))' },
    { name: 'vtc_finish_grace_check', expression: 'finish_grace_minutes >= 0 and finish_grace_minutes <= 30' },
    { name: 'vtc_reset_hour_check', expression: 'reset_hour >= 0 and reset_hour <= 23' },
    { name: 'vtc_previous_reset_hour_check', expression: 'previous_reset_hour is null or previous_reset_hour >= 0 and previous_reset_hour <= 23' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    profile: () => p.oneToOne(Profile).owner().deleteRule('cascade').unique(),
    // the limit of each day of the week (minutes; null: no limit that day)
    mondayLimitMinutes: p.integer().nullable(),
    tuesdayLimitMinutes: p.integer().nullable(),
    wednesdayLimitMinutes: p.integer().nullable(),
    thursdayLimitMinutes: p.integer().nullable(),
    fridayLimitMinutes: p.integer().nullable(),
    saturdayLimitMinutes: p.integer().nullable(),
    sundayLimitMinutes: p.integer().nullable(),
    // breaks: after this much continuous counted viewing, this long a break (both null: none)
    breakAfterMinutes: p.integer().nullable(),
    breakMinutes: p.integer().nullable(),
    // counted minutes over the viewing week (Monday to Sunday); null: no weekly limit
    weeklyLimitMinutes: p.integer().nullable(),
    // the time bank: its cap, and the first viewing day whose unused limit it banks (both null: off)
    bankCapMinutes: p.integer().nullable(),
    bankFrom: p.date().nullable(),
    // finishing the title: minutes of grace past a limit (0: off)
    finishGraceMinutes: p.smallint().default(0),
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

export const CONFIG_DEFAULTS = {
  mondayLimitMinutes: 120, tuesdayLimitMinutes: 120, wednesdayLimitMinutes: 120, thursdayLimitMinutes: 120, fridayLimitMinutes: 120,
  saturdayLimitMinutes: 180, sundayLimitMinutes: 180, resetHour: 6, educationalExempt: true,
} as const;
