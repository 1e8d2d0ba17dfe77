import type { Settings } from './model.ts';

/** The settings as the API shows them (GET/PUT settings, and the `settings_changed` live event). */
export function configView(s: Settings) {
  return {
    profile_id: s.profileId,
    weekday_limit_minutes: s.weekdayLimitMinutes,
    weekend_limit_minutes: s.weekendLimitMinutes,
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
