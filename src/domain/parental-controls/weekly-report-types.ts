/** What the weekly report's worker receives and returns: plain, structured-cloneable data. */
export interface WeeklyReportInput {
  weekStart: string;
  now: string;
  /** The single query's result, still as JSON text: decoding happens in the worker too. */
  data: string;
}

export interface DailyTotal {
  date: string;
  minutes: number;
  counted_minutes: number;
  educational_minutes: number;
  limit_minutes: number | null;
  bonus_minutes: number;
  unlimited: boolean;
  /** Heartbeats answered outside the allowed hours: the time they asked for. */
  refused_minutes: number;
  /** Time the profile spent paused by a parent, and in breaks, that day (whether or not anyone tried to watch). */
  paused_minutes: number;
  break_minutes: number;
  /** The time bank (SPEC §3a): what the day saved of its unused limit, and what it spent of the bank; time watched in finishing graces. */
  banked_minutes: number;
  bank_spent_minutes: number;
  overtime_minutes: number;
}

export interface ProfileWeek {
  profile_id: string;
  profile_name: string;
  daily_totals: DailyTotal[];
  total_minutes: number;
  counted_minutes: number;
  educational_minutes: number;
  days_elapsed: number;
  /** Over the days elapsed; 0 for a week that has not started. */
  average_daily_minutes: number;
  /** counted ÷ (limits + grants + bank spent) over the limited days elapsed. */
  limit_usage_percent: number | null;
  /** The bank at the week's end (after its last day elapsed; emptied after Sunday), and the weekly limit. */
  bank_minutes: number;
  weekly_limit_minutes: number | null;
  /** title_id is null for a title removed from the catalogue since. */
  top_titles: { title_id: string | null; title_name: string; total_minutes: number }[];
  /** request_id: the time request this grant answered, if any. */
  grants: { date: string; minutes: number | null; unlimited: boolean; granted_at: string; request_id: string | null }[];
  /** "Ask for more time" requests of the week, oldest first; minutes_granted only when approved. */
  time_requests: {
    id: string; date: string; minutes: number; message: string | null; status: TimeRequestStatus;
    minutes_granted: number | null; unlimited: boolean; created_at: string; answered_at: string | null;
  }[];
}

export type TimeRequestStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface WeeklyReport {
  week_start: string;
  week_end: string;
  generated_at: string;
  profiles: ProfileWeek[];
  total_minutes: number;
}

/** The report's aggregation, off the event loop: main.ts fills it with the worker-thread pool. */
export interface ReportWork {
  weeklyReport(input: WeeklyReportInput): Promise<WeeklyReport>;
}
