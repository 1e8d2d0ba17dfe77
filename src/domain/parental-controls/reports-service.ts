import type { EntityManager } from '@mikro-orm/core';
import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import type { CpuWork } from '../shared/cpu-work.ts';
import { invalidField } from '../shared/errors.ts';
import { runNamed } from '../shared/sql.ts';
import type { ConfigService } from '../viewing-time/config-service.ts';
import { minutes } from '../viewing-time/enforcement.ts';
import { viewingDayAt, viewingDayOf } from '../viewing-time/viewing-day.ts';
import { shiftDate } from './grants-service.ts';
import type { WeeklyReport } from './weekly-report-types.ts';

// History: half-open timestamp range on started_at (H-05) so the (profile_id, started_at DESC)
// index serves it; only the title's id and name are read (H-04); keyset pagination.
const HISTORY = `select s.id, s.started_at, s.ended_at, s.end_reason, s.total_seconds, s.is_educational, s.device_type, t.id as title_id, t.title
  from viewing_sessions s left join titles t on t.id = s.title_id
  where s.profile_id = $1 and s.started_at >= $2 and s.started_at < $3
    and ($4::timestamptz is null or (s.started_at, s.id) < ($4::timestamptz, $5::uuid))
  order by s.started_at desc, s.id desc limit $6`;

// Weekly report: ONE statement for every kids profile of the account, returned as JSON text so
// that decoding and aggregation both happen in a worker thread, not on the event loop.
const WEEK = `select json_build_object(
  'profiles', (select coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'config', to_jsonb(c)) order by p.created_at, p.id), '[]')
     from profiles p join viewing_time_configs c on c.profile_id = p.id where p.user_id = $1 and p.is_kids),
  'balances', (select coalesce(json_agg(json_build_object('profile_id', b.profile_id, 'date', b.reset_date, 'used', b.used_seconds,
       'educational', b.educational_seconds, 'bonus', b.bonus_seconds, 'unlimited', b.is_unlimited_override, 'limit', b.limit_minutes)), '[]')
     from viewing_time_balances b join profiles p on p.id = b.profile_id where p.user_id = $1 and p.is_kids and b.reset_date between $2 and $3),
  'grants', (select coalesce(json_agg(json_build_object('profile_id', g.profile_id, 'date', g.reset_date, 'minutes', g.minutes, 'granted_at', g.granted_at)
       order by g.granted_at), '[]')
     from time_grants g join profiles p on p.id = g.profile_id where p.user_id = $1 and p.is_kids and g.reset_date between $2 and $3),
  'sessions', (select coalesce(json_agg(json_build_object('profile_id', s.profile_id, 'title_id', s.title_id, 'title', t.title,
       'started_at', s.started_at, 'seconds', s.total_seconds)), '[]')
     from profiles p join viewing_sessions s on s.profile_id = p.id left join titles t on t.id = s.title_id
     where p.user_id = $1 and p.is_kids and s.started_at >= $4 and s.started_at < $5)
)::text as data`;

interface SessionRow { id: string; started_at: Date; ended_at: Date | null; end_reason: string | null; total_seconds: number; is_educational: boolean; device_type: string; title_id: string | null; title: string | null }

const encodeCursor = (r: SessionRow) => Buffer.from(JSON.stringify([new Date(r.started_at).toISOString(), r.id])).toString('base64url');

function decodeCursor(c: string): [string, string] {
  try {
    const [t, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [string, string];
    if (!Number.isNaN(Date.parse(t)) && /^[0-9a-f-]{36}$/.test(id)) return [t, id];
  } catch { /* fall through */ }
  throw invalidField('cursor', 'is not a cursor this service returned');
}

/** Viewing history and the weekly report (parents only). */
export class ReportsService {
  readonly #d: { em: EntityManager; identity: IdentityService; configs: ConfigService; cpu: CpuWork; clock: Clock };

  constructor(d: { em: EntityManager; identity: IdentityService; configs: ConfigService; cpu: CpuWork; clock: Clock }) {
    this.#d = d;
  }

  async history(principal: Principal, profileId: string, q: { from?: string; to?: string; cursor?: string; limit: number }) {
    await this.#d.identity.ownedProfile(principal, profileId);
    const settings = (await this.#d.configs.get(profileId)).settings;
    const to = q.to ?? viewingDayAt(this.#d.clock.now(), settings).date;
    const from = q.from ?? shiftDate(to, -29);
    if (from > to) throw invalidField('from', 'must not be after to');
    if (shiftDate(from, 89) < to) throw invalidField('from', 'the range may cover at most 90 days');
    const [after, afterId] = q.cursor ? decodeCursor(q.cursor) : [null, null];
    const rows = await runNamed<SessionRow>(this.#d.em, 'history_page', HISTORY, [
      profileId, viewingDayOf(from, settings).start, viewingDayOf(to, settings).end, after, afterId, q.limit + 1,
    ]);
    const page = rows.slice(0, q.limit);
    const days = new Map<string, { date: string; total_minutes: number; counted_minutes: number; educational_minutes: number; sessions: unknown[] }>();
    for (const r of page) {
      const date = viewingDayAt(new Date(r.started_at), settings).date;
      const day = days.get(date) ?? { date, total_minutes: 0, counted_minutes: 0, educational_minutes: 0, sessions: [] };
      day.total_minutes += r.total_seconds;
      if (r.is_educational) day.educational_minutes += r.total_seconds; else day.counted_minutes += r.total_seconds;
      day.sessions.push({ session_id: r.id, title_id: r.title_id, title: r.title ?? '(removed title)', started_at: new Date(r.started_at).toISOString(),
        ended_at: r.ended_at ? new Date(r.ended_at).toISOString() : null, end_reason: r.end_reason, minutes: minutes(r.total_seconds), is_educational: r.is_educational, device_type: r.device_type });
      days.set(date, day);
    }
    const out = [...days.values()].map((d) => ({ ...d, total_minutes: minutes(d.total_minutes), counted_minutes: minutes(d.counted_minutes), educational_minutes: minutes(d.educational_minutes) }));
    const more = rows.length > q.limit;
    // a day cut by the page boundary continues on the next page: nothing is silently dropped
    return { profile_id: profileId, from, to, days: out, has_more: more, next_cursor: more ? encodeCursor(page[page.length - 1]) : null };
  }

  async weeklyReport(principal: Principal, weekStart?: string): Promise<WeeklyReport> {
    const now = this.#d.clock.now();
    const start = weekStart ?? mondayOf(now);
    const end = shiftDate(start, 6);
    // generous instant window for sessions; the worker keeps each profile's own viewing days
    const [row] = await runNamed<{ data: string }>(this.#d.em, 'weekly_report', WEEK, [
      principal.userId, start, end, new Date(`${shiftDate(start, -1)}T00:00:00Z`), new Date(`${shiftDate(end, 2)}T00:00:00Z`),
    ]);
    return this.#d.cpu.weeklyReport({ weekStart: start, now: now.toISOString(), data: row.data });
  }
}

function mondayOf(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}
