// Pure aggregation of a weekly report, run in a worker thread: JSON text in, report out.
import type { DailyTotal, ProfileWeek, TimeRequestStatus, WeeklyReport, WeeklyReportInput } from '../domain/parental-controls/weekly-report-types.ts';
import { dayOf, ruleMinutes, settingsFromRow, type RuleSpan, type Settings } from '../domain/viewing-time/model.ts';
import { minutes } from '../domain/viewing-time/rules.ts';
import { addDays, spanAt } from '../domain/viewing-time/viewing-day.ts';

interface Raw {
  profiles: { id: string; name: string; config: Record<string, unknown> }[];
  balances: { profile_id: string; date: string; used: number; educational: number; bonus: number; unlimited: boolean; limit: number | null; refused?: number; overtime?: number }[];
  /** The bank's figures per day (vt_bank_days), for profiles with the bank on. */
  bank?: { profile_id: string; date: string; banked: number; spent: number; bank: number }[];
  grants: { profile_id: string; date: string; minutes: number | null; granted_at: string; request_id: string | null }[];
  requests: {
    profile_id: string; id: string; date: string; minutes: number; message: string | null; status: string; minutes_granted: number | null;
    unlimited: boolean; created_at: string; answered_at: string | null; expires_at: string;
  }[];
  sessions: { profile_id: string; title_id: string | null; title: string | null; started_at: string; seconds: number }[];
  spans?: { profile_id: string; kind: 'pause' | 'break'; start: string; end: string | null }[];
}


type DaySeconds = { counted: number; edu: number; bonus: number; limit: number | null; refused: number; overtime: number; banked: number; spent: number; bank: number };

function dailyTotals(dates: string[], s: Settings, balances: Raw['balances'], bank: NonNullable<Raw['bank']>, today: string, spans: RuleSpan[], now: Date): { totals: DailyTotal[]; seconds: DaySeconds[] } {
  const byDate = new Map(balances.map((b) => [b.date, b]));
  const bankOf = new Map(bank.map((d) => [d.date, d]));
  const seconds = dates.map((date) => {
    const b = byDate.get(date);
    const limit = b ? (b.unlimited ? null : b.limit) : dayOf(s, date).limitMinutes; // a day without a row: what the engine would give it
    const k = date <= today ? bankOf.get(date) : undefined; // days to come have banked nothing yet
    return { counted: b?.used ?? 0, edu: b?.educational ?? 0, bonus: b?.bonus ?? 0, limit, refused: b?.refused ?? 0, overtime: b?.overtime ?? 0,
      banked: k?.banked ?? 0, spent: k?.spent ?? 0, bank: k?.bank ?? 0 };
  });
  const totals = dates.map((date, i) => ({
    date, minutes: minutes(seconds[i].counted + seconds[i].edu), counted_minutes: minutes(seconds[i].counted),
    educational_minutes: minutes(seconds[i].edu), limit_minutes: seconds[i].limit, bonus_minutes: minutes(seconds[i].bonus), unlimited: seconds[i].limit === null,
    refused_minutes: minutes(seconds[i].refused),
    ...ruleMinutes(spans, dayOf(s, date), now),
    banked_minutes: minutes(seconds[i].banked), bank_spent_minutes: minutes(seconds[i].spent), overtime_minutes: minutes(seconds[i].overtime),
  }));
  return { totals, seconds };
}

function topTitles(sessions: Raw['sessions'], from: number, to: number) {
  const byTitle = new Map<string, { title_id: string | null; title: string; seconds: number }>();
  for (const s of sessions) {
    const t = Date.parse(s.started_at);
    if (t < from || t >= to) continue;
    const key = s.title_id ?? 'removed';
    const e = byTitle.get(key) ?? { title_id: s.title_id, title: s.title ?? '(removed title)', seconds: 0 };
    e.seconds += s.seconds;
    byTitle.set(key, e);
  }
  return [...byTitle.values()].sort((a, b) => b.seconds - a.seconds || a.title.localeCompare(b.title)).slice(0, 3)
    .map((e) => ({ title_id: e.title_id, title_name: e.title, total_minutes: minutes(e.seconds) }));
}

function profileWeek(p: Raw['profiles'][number], raw: Raw, weekStart: string, now: Date): ProfileWeek {
  const s = settingsFromRow(p.id, p.config);
  const dates = Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
  const spans = (raw.spans ?? []).filter((x) => x.profile_id === p.id).map((x) => ({ kind: x.kind, start: new Date(x.start), end: x.end === null ? null : new Date(x.end) }));
  const today = spanAt(now, s).date;
  const { totals, seconds } = dailyTotals(dates, s, raw.balances.filter((b) => b.profile_id === p.id), (raw.bank ?? []).filter((b) => b.profile_id === p.id), today, spans, now);
  const elapsed = dates.filter((d) => d <= today).length;
  const counted = seconds.reduce((a, x) => a + x.counted, 0);
  const edu = seconds.reduce((a, x) => a + x.edu, 0);
  // limit usage counts only elapsed days that had a limit: unlimited days would distort it
  const limited = seconds.filter((x, i) => x.limit !== null && dates[i] <= today);
  const allowance = limited.reduce((a, x) => a + (x.limit as number) * 60 + x.bonus + x.spent, 0);
  const lastElapsed = elapsed ? seconds[elapsed - 1] : null;
  const window = [dayOf(s, dates[0]).start.getTime(), dayOf(s, dates[6]).end.getTime()];
  return {
    profile_id: p.id, profile_name: p.name, daily_totals: totals,
    total_minutes: minutes(counted + edu), counted_minutes: minutes(counted), educational_minutes: minutes(edu),
    days_elapsed: elapsed, average_daily_minutes: elapsed ? minutes((counted + edu) / elapsed) : 0,
    limit_usage_percent: allowance ? Math.round((1000 * limited.reduce((a, x) => a + x.counted, 0)) / allowance) / 10 : null,
    bank_minutes: minutes(lastElapsed?.bank ?? 0), weekly_limit_minutes: s.weeklyLimitMinutes,
    top_titles: topTitles(raw.sessions.filter((x) => x.profile_id === p.id), window[0], window[1]),
    grants: raw.grants.filter((g) => g.profile_id === p.id).map((g) => ({
      date: g.date, minutes: g.minutes, unlimited: g.minutes === null, granted_at: new Date(g.granted_at).toISOString(), request_id: g.request_id,
    })),
    time_requests: raw.requests.filter((r) => r.profile_id === p.id).map((r) => ({
      id: r.id, date: r.date, minutes: r.minutes, message: r.message,
      // a pending request past its day's end is expired, whether or not the sweep has run yet
      status: (r.status === 'pending' && new Date(r.expires_at) <= now ? 'expired' : r.status) as TimeRequestStatus,
      minutes_granted: r.minutes_granted, unlimited: r.unlimited,
      created_at: new Date(r.created_at).toISOString(), answered_at: r.answered_at ? new Date(r.answered_at).toISOString() : null,
    })),
  };
}

export function buildWeeklyReport(input: WeeklyReportInput): WeeklyReport {
  const raw = JSON.parse(input.data) as Raw;
  const now = new Date(input.now);
  const profiles = raw.profiles.map((p) => profileWeek(p, raw, input.weekStart, now));
  const seconds = raw.balances.reduce((a, b) => a + b.used + b.educational, 0); // the week's rows of every kids profile
  return { week_start: input.weekStart, week_end: addDays(input.weekStart, 6), generated_at: now.toISOString(), profiles, total_minutes: minutes(seconds) };
}
