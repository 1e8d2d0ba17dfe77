import { WEEKDAYS, type Settings } from './model.ts';

/**
 * The settings as the API shows them (GET/PUT settings, and the `settings_changed` live event).
 * The old apps' weekday and weekend limits are a view: Monday's and Saturday's, with
 * daily_limits_differ saying when the days they stand for differ.
 */
export function configView(s: Settings) {
  const l = s.dailyLimits;
  return {
    profile_id: s.profileId,
    weekday_limit_minutes: l.monday,
    weekend_limit_minutes: l.saturday,
    daily_limits: Object.fromEntries(WEEKDAYS.map((d) => [d, l[d]])),
    daily_limits_differ: ['tuesday', 'wednesday', 'thursday', 'friday'].some((d) => l[d as keyof typeof l] !== l.monday) || l.sunday !== l.saturday,
    break_rule: s.breakRule ? { after_minutes: s.breakRule.afterMinutes, break_minutes: s.breakRule.breakMinutes } : null,
    weekly_limit_minutes: s.weeklyLimitMinutes,
    bank: s.bank ? { cap_minutes: s.bank.capMinutes, from_date: s.bank.from } : null,
    finish_grace_minutes: s.finishGraceMinutes,
    reset_hour: s.resetHour,
    timezone: s.timezone,
    educational_exempt: s.educationalExempt,
    version: s.version,
    updated_at: s.updatedAt.toISOString(),
    // a reset-hour/timezone change applies from the next day boundary; until then these hold
    pending_change: s.previous && s.effectiveFrom
      ? { effective_at: s.effectiveFrom.toISOString(), current_reset_hour: s.previous.resetHour, current_timezone: s.previous.timezone }
      : null,
    allowed_hours: s.allowedHours,
    educational_ignores_hours: s.educationalIgnoresHours,
    overrides: Object.entries(s.overrides).map(([date, windows]) => ({ date, windows })),
  };
}
