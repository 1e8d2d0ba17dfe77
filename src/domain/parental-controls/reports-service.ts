import type { EntityManager } from '@mikro-orm/core';
import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { invalidField } from '../shared/errors.ts';
import type { ConfigService } from '../viewing-time/config-service.ts';
import { ruleMinutes } from '../viewing-time/model.ts';
import { minutes } from '../viewing-time/rules.ts';
import { addDays, spanAt, spanOf, weekStartOf } from '../viewing-time/viewing-day.ts';
import { parseAllowed } from '../viewing-time/viewing-time-repository.ts';
import * as repo from './reports-repository.ts';
import type { SessionRow } from './reports-repository.ts';
import type { ReportWork, WeeklyReport } from './weekly-report-types.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function sessionView(r: SessionRow) {
  return {
    session_id: r.id, title_id: r.title_id, title_name: r.title ?? '(removed title)', device_type: r.device_type, device_id: r.device_id,
    is_educational: r.is_educational, started_at: new Date(r.started_at).toISOString(), ended_at: r.ended_at ? new Date(r.ended_at).toISOString() : null,
    end_reason: r.end_reason, duration_minutes: minutes(r.total_seconds),
  };
}

/** Viewing history and the weekly report (parents only). */
export class ReportsService {
  readonly #d: { em: EntityManager; identity: IdentityService; configs: ConfigService; cpu: ReportWork; clock: Clock };

  constructor(d: { em: EntityManager; identity: IdentityService; configs: ConfigService; cpu: ReportWork; clock: Clock }) {
    this.#d = d;
  }

  /**
   * Sessions by viewing day, newest first. A page holds whole days (at most `limit` sessions,
   * unless one day alone has more: then that day comes whole); next_cursor is the date to go on
   * from. The range is half-open: a session starting at to_date's day end belongs to the next day.
   */
  async history(principal: Principal, profileId: string, q: { from_date?: string; to_date?: string; cursor?: string; limit: number }) {
    await this.#d.identity.ownedProfile(principal, profileId);
    const settings = await this.#d.configs.get(profileId);
    const to = q.to_date ?? spanAt(this.#d.clock.now(), settings).date;
    const from = q.from_date ?? addDays(to, -29);
    if (from > to) throw invalidField('from_date', 'must not be after to_date');
    if (addDays(from, 89) < to) throw invalidField('from_date', 'the range may cover at most 90 days');
    if (q.cursor !== undefined && (!DATE.test(q.cursor) || Number.isNaN(Date.parse(q.cursor)))) throw invalidField('cursor', 'is not a cursor this service returned');
    const last = q.cursor && q.cursor < to ? q.cursor : to;
    const lower = spanOf(from, settings).start;
    const dayOfRow = (r: SessionRow) => spanAt(new Date(r.started_at), settings).date;
    let rows = last < from ? [] : await repo.historyRows(this.#d.em, profileId, lower, spanOf(last, settings).end, q.limit + 1);
    let next: string | null = null;
    if (rows.length > q.limit) {
      const cut = dayOfRow(rows[q.limit]); // the first day that does not fit whole
      const whole = rows.filter((r) => dayOfRow(r) !== cut);
      if (whole.length > 0) {
        rows = whole;
        next = cut;
      } else { // one day alone holds more than a page: it comes whole, the next page starts the day before
        const day = spanOf(cut, settings);
        rows = await repo.historyRows(this.#d.em, profileId, day.start, day.end, null);
        next = cut > from ? addDays(cut, -1) : null;
      }
    }
    const first = rows.length ? dayOfRow(rows[rows.length - 1]) : null;
    const facts = first ? await repo.dayFacts(this.#d.em, profileId, { first, last: dayOfRow(rows[0]) },
      { from: spanOf(first, settings).start, to: spanOf(dayOfRow(rows[0]), settings).end })
      : { windows: new Map<string, string | null>(), overtime: new Map<string, number>(), bank: new Map<string, { banked: number; spent: number }>(), spans: [] };
    const now = this.#d.clock.now();
    const days = new Map<string, { date: string; total: number; counted: number; educational: number; sessions: ReturnType<typeof sessionView>[] }>();
    for (const r of rows) {
      const date = dayOfRow(r);
      const day = days.get(date) ?? { date, total: 0, counted: 0, educational: 0, sessions: [] };
      day.total += r.total_seconds;
      if (r.is_educational) day.educational += r.total_seconds; else day.counted += r.total_seconds;
      day.sessions.push(sessionView(r));
      days.set(date, day);
    }
    return {
      profile_id: profileId, from_date: from, to_date: to,
      days: [...days.values()].map((d) => ({
        date: d.date, total_minutes: minutes(d.total), counted_minutes: minutes(d.counted), educational_minutes: minutes(d.educational),
        // the windows the day ran under: null any time, [] none
        allowed_windows: parseAllowed(facts.windows.get(d.date) ?? null)?.map((i) => ({ start: i.start.toISOString(), end: i.end.toISOString() })) ?? null,
        ...ruleMinutes(facts.spans, spanOf(d.date, settings), now),
        banked_minutes: minutes(facts.bank.get(d.date)?.banked ?? 0), bank_spent_minutes: minutes(facts.bank.get(d.date)?.spent ?? 0),
        overtime_minutes: minutes(facts.overtime.get(d.date) ?? 0),
        sessions: d.sessions,
      })),
      has_more: next !== null, next_cursor: next,
    };
  }

  /**
   * This week: the viewing week of the household's current viewing day (its first child's
   * timezone and reset hour), so that between midnight and the reset hour on a Monday, or across
   * the date line, "this week" is still the week the children are watching in.
   */
  async #thisWeek(userId: string, now: Date): Promise<string> {
    const b = await repo.householdBoundaries(this.#d.em, userId);
    const today = spanAt(now, { timezone: b?.timezone ?? 'UTC', resetHour: b?.reset_hour ?? 0, previous: null, effectiveFrom: null }).date;
    return weekStartOf(today);
  }

  async weeklyReport(principal: Principal, weekStart?: string): Promise<WeeklyReport> {
    const now = this.#d.clock.now();
    const start = weekStart ?? await this.#thisWeek(principal.userId, now);
    const end = addDays(start, 6);
    // generous instant window for sessions; the worker keeps each profile's own viewing days
    const data = await repo.weekRows(this.#d.em, principal.userId, start, end,
      new Date(`${addDays(start, -1)}T00:00:00Z`), new Date(`${addDays(end, 2)}T00:00:00Z`));
    return this.#d.cpu.weeklyReport({ weekStart: start, now: now.toISOString(), data });
  }
}
