import type { ConfigFacts } from './config-service.ts';

/** The settings as the API shows them (GET/PUT settings, and the `settings_changed` live event). */
export function configView(c: ConfigFacts) {
  const s = c.settings;
  return {
    profile_id: c.profileId,
    weekday_limit_minutes: s.weekdayLimitMinutes,
    weekend_limit_minutes: s.weekendLimitMinutes,
    reset_hour: s.resetHour,
    timezone: s.timezone,
    educational_exempt: c.educationalExempt,
    version: c.version,
    updated_at: c.updatedAt.toISOString(),
    // a reset-hour/timezone change applies from the next day boundary; until then these hold
    pending_change: s.previous && s.effectiveFrom
      ? { effective_at: s.effectiveFrom.toISOString(), current_reset_hour: s.previous.resetHour, current_timezone: s.previous.timezone }
      : null,
    allowed_hours: c.allowedHours,
    educational_ignores_hours: c.educationalIgnoresHours,
    overrides: Object.entries(c.overrides).map(([date, windows]) => ({ date, windows })),
  };
}
