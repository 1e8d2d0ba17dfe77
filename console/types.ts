// The API's answers, as far as the console reads them (the OpenAPI document has them all).
export interface Profile { id: string; name: string; is_kids: boolean }

export interface DailyTotal {
  date: string; minutes: number; counted_minutes: number; educational_minutes: number; limit_minutes: number | null;
  bonus_minutes: number; unlimited: boolean; refused_minutes: number;
  /** Time spent paused by a parent, and in breaks, that day (whether or not anyone tried to watch). */
  paused_minutes: number; break_minutes: number;
  /** The time bank that day: what its unused limit saved, what it spent; overtime: watched in finishing graces (counted towards nothing). */
  banked_minutes: number; bank_spent_minutes: number; overtime_minutes: number;
}

export interface Grant { date: string; minutes: number | null; unlimited: boolean; granted_at: string; request_id: string | null }

export interface TimeRequest {
  id: string; profile_id: string; minutes: number; message: string | null; status: 'pending' | 'approved' | 'denied' | 'expired';
  date: string; created_at: string; answered_at: string | null; minutes_granted: number | null; unlimited: boolean;
}

export interface TopTitle { title_id: string | null; title_name: string; total_minutes: number }

export interface ProfileWeek {
  profile_id: string; profile_name: string; daily_totals: DailyTotal[]; total_minutes: number; counted_minutes: number;
  educational_minutes: number; days_elapsed: number; average_daily_minutes: number; limit_usage_percent: number | null;
  top_titles: TopTitle[];
  /** The time bank at the week's end (for this week: after the last day so far); the weekly limit now (null: none). */
  bank_minutes: number; weekly_limit_minutes: number | null;
  grants: Grant[]; time_requests: Omit<TimeRequest, 'profile_id' | 'expires_at'>[];
}

export interface WeeklyReport { week_start: string; week_end: string; profiles: ProfileWeek[] }

export interface Balance {
  profile_id: string; has_limits: boolean; used_minutes: number; educational_minutes: number; limit_minutes: number | null;
  remaining_minutes: number | null; budget_remaining_minutes: number | null; bonus_minutes: number; is_unlimited_override: boolean;
  next_reset_at: string | null; next_change_at: string | null; allowed_now: boolean; reason: string; date: string;
  /** Set while a parent's pause or a break runs (paused_until null with reason paused_by_parent: until lifted). */
  paused_until: string | null; break_until: string | null;
  /** The time bank still available now (null: an adult); the week's term (null: no weekly limit); overtime today; an unlimited-today grant given. */
  bank_minutes: number | null; week_remaining_minutes: number | null; overtime_minutes: number; unlimited_today: boolean;
}

export type FitLimit = 'budget' | 'week' | 'window' | 'break' | 'pause';
/** Will a title fit before anything stops it (GET /viewing-time/fit/{profile_id}). */
export interface Fit {
  profile_id: string; title_id: string; fits: 'yes' | 'partly' | 'no'; available_minutes: number | null; needed_minutes: number | null;
  limited_by: FitLimit | null; finish_grace: boolean;
}

export interface Window { from: string; to: string }

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Minutes per day of the week; null: no limit that day. */
export type DailyLimits = Record<Weekday, number | null>;
export interface BreakRule { after_minutes: number; break_minutes: number }
/** A parent's pause in force; paused_until null: until lifted. */
export interface Pause { paused_at: string; paused_until: string | null }
export interface Paused extends Pause { profile_id: string }
/** The time bank: a day's unused limit is saved up to the cap; from_date is the first viewing day it banks. */
export interface Bank { cap_minutes: number; from_date: string }

export interface Settings {
  profile_id: string; weekday_limit_minutes: number | null; weekend_limit_minutes: number | null; reset_hour: number; timezone: string;
  daily_limits: DailyLimits; daily_limits_differ: boolean; break_rule: BreakRule | null; pause: Pause | null;
  /** null: no weekly limit; bank null: off; finish_grace_minutes 0: off. */
  weekly_limit_minutes: number | null; bank: Bank | null; finish_grace_minutes: number;
  educational_exempt: boolean; version: number; updated_at: string;
  pending_change: { effective_at: string; current_reset_hour: number; current_timezone: string } | null;
  allowed_hours: { weekdays: Window[]; weekends: Window[] }; educational_ignores_hours: boolean;
  overrides: { date: string; windows: Window[] | null }[];
}

export interface HistorySession {
  session_id: string; title_name: string; device_type: string | null; device_id: string; is_educational: boolean;
  started_at: string; ended_at: string | null; duration_minutes: number;
}

export interface HistoryDay {
  date: string; total_minutes: number; counted_minutes: number; educational_minutes: number; paused_minutes: number; break_minutes: number;
  sessions: HistorySession[];
}

export interface History { days: HistoryDay[]; has_more: boolean; next_cursor: string | null }

export interface Device { id: string; profile_id: string; profile_name: string; created_at: string; last_seen_at: string | null; expires_at: string }

/** What the household's alert rules push to the parents' devices (percent_used: null = off, else 50..95 in steps of 5). */
export interface AlertRules { time_request: boolean; limit_reached: boolean; percent_used: number | null; break_started: boolean }

export const WEBHOOK_EVENTS = ['time_request.created', 'limit.reached', 'limit.percent_used', 'break.started', 'pause.changed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** A webhook's last delivery: delivered, pending (being retried) or failed (retried until the horizon). */
export interface WebhookDelivery { status: 'pending' | 'delivered' | 'failed'; attempts: number; last_error: string | null; at: string | null }
export interface Webhook { id: string; url: string; events: WebhookEvent[]; created_at: string; last_delivery: WebhookDelivery | null }
/** A webhook as its creation answers it: the signing secret (whsec_…) is shown only then. */
export interface NewWebhook extends Webhook { secret: string }
