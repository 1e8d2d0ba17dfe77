import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';
import { ViewingSession } from '../viewing-time/session.entity.ts';

// Weekly report: ONE statement for every kids profile of the account, returned as JSON text so
// that decoding and aggregation both happen in a worker thread, not on the event loop.
const WEEK = `select json_build_object(
  'profiles', (select coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'config', to_jsonb(c)) order by p.created_at, p.id), '[]')
     from profiles p join viewing_time_configs c on c.profile_id = p.id where p.user_id = $1 and p.is_kids),
  'balances', (select coalesce(json_agg(json_build_object('profile_id', b.profile_id, 'date', b.reset_date, 'used', b.used_seconds,
       'educational', b.educational_seconds, 'bonus', b.bonus_seconds, 'unlimited', b.is_unlimited_override, 'limit', b.limit_minutes,
       'refused', b.refused_seconds, 'overtime', b.overtime_seconds)), '[]')
     from viewing_time_balances b join profiles p on p.id = b.profile_id where p.user_id = $1 and p.is_kids and b.reset_date between $2 and $3),
  'grants', (select coalesce(json_agg(json_build_object('profile_id', g.profile_id, 'date', g.reset_date, 'minutes', g.minutes, 'granted_at', g.granted_at,
       'request_id', g.request_id)
       order by g.granted_at), '[]')
     from time_grants g join profiles p on p.id = g.profile_id where p.user_id = $1 and p.is_kids and g.reset_date between $2 and $3),
  'requests', (select coalesce(json_agg(json_build_object('profile_id', r.profile_id, 'id', r.id, 'date', r.reset_date, 'minutes', r.minutes,
       'message', r.message, 'status', r.status, 'minutes_granted', r.minutes_granted, 'unlimited', r.unlimited, 'created_at', r.created_at,
       'answered_at', r.answered_at, 'expires_at', r.expires_at) order by r.created_at), '[]')
     from time_requests r join profiles p on p.id = r.profile_id where p.user_id = $1 and p.is_kids and r.reset_date between $2 and $3),
  'bank', (select coalesce(json_agg(json_build_object('profile_id', p.id, 'date', d.date, 'banked', d.banked, 'spent', d.spent, 'bank', d.bank)), '[]')
     from profiles p join viewing_time_configs c on c.profile_id = p.id, vt_bank_days(p.id, $2::date, $3::date, c.bank_cap_minutes) d
     where p.user_id = $1 and p.is_kids and c.bank_cap_minutes is not null),
  'spans', (select coalesce(json_agg(json_build_object('profile_id', s.profile_id, 'kind', s.kind, 'start', s.started_at, 'end', least(s.closed_at, s.ends_at))), '[]')
     from profiles p join family_rule_spans s on s.profile_id = p.id
     where p.user_id = $1 and p.is_kids and s.started_at < $5 and coalesce(least(s.closed_at, s.ends_at), 'infinity') > $4),
  'sessions', (select coalesce(json_agg(json_build_object('profile_id', s.profile_id, 'title_id', s.title_id, 'title', t.title,
       'started_at', s.started_at, 'seconds', s.total_seconds)), '[]')
     from profiles p join viewing_sessions s on s.profile_id = p.id left join titles t on t.id = s.title_id
     where p.user_id = $1 and p.is_kids and s.started_at >= $4 and s.started_at < $5)
)::text as data`;

export interface SessionRow { id: string; started_at: Date; ended_at: Date | null; end_reason: string | null; total_seconds: number; is_educational: boolean; device_type: string; device_id: string; title_id: string | null; title: string | null }

/**
 * Sessions of a profile started in [from, to), newest first, at most `limit` (null: all): one
 * joined query (the session's own columns, the title's id and name only) over a
 * half-open timestamp range, so the (profile_id, started_at DESC) index serves it. Pages
 * are whole viewing days, which the service cuts; a row cursor (findByCursor) would cut days.
 */
export async function historyRows(em: EntityManager, profileId: string, from: Date, to: Date, limit: number | null): Promise<SessionRow[]> {
  const sessions = await em.find(ViewingSession, { profile: profileId, startedAt: { $gte: from, $lt: to } }, {
    populate: ['title'], strategy: 'joined', orderBy: { startedAt: 'desc', id: 'desc' }, ...(limit === null ? {} : { limit }),
    fields: ['startedAt', 'endedAt', 'endReason', 'totalSeconds', 'isEducational', 'deviceType', 'deviceId', 'title.title'],
  });
  return sessions.map((s) => ({
    id: s.id, started_at: s.startedAt, ended_at: s.endedAt ?? null, end_reason: s.endReason ?? null, total_seconds: s.totalSeconds,
    is_educational: s.isEducational, device_type: s.deviceType, device_id: s.deviceId, title_id: s.title?.id ?? null, title: s.title?.title ?? null,
  }));
}

/** Where the household's viewing days begin (its first kids profile's settings), for the report's default week; null without kids. */
export async function householdBoundaries(em: EntityManager, userId: string): Promise<{ timezone: string; reset_hour: number } | null> {
  return (await runNamed<{ timezone: string; reset_hour: number }>(em, 'report_boundaries', `select c.timezone, c.reset_hour from profiles p
      join viewing_time_configs c on c.profile_id = p.id where p.user_id = $1 and p.is_kids order by p.created_at, p.id limit 1`, [userId]))[0] ?? null;
}

/** Everything a weekly report needs, for every kids profile of the account, as JSON text. */
export async function weekRows(em: EntityManager, userId: string, start: string, end: string, from: Date, to: Date): Promise<string> {
  const [row] = await runNamed<{ data: string }>(em, 'weekly_report', WEEK, [userId, start, end, from, to]);
  return row.data;
}

// a pause or break's end: the earlier of its planned end and its close (least() skips nulls); the
// bank's figures week by week (vt_bank_days folds one week from its Monday)
const DAY_FACTS = `select (select coalesce(json_object_agg(b.reset_date, b.allowed::text), '{}') from viewing_time_balances b
      where b.profile_id = $1 and b.reset_date between $2 and $3) as windows,
    (select coalesce(json_object_agg(b.reset_date, b.overtime_seconds), '{}') from viewing_time_balances b
      where b.profile_id = $1 and b.reset_date between $2 and $3 and b.overtime_seconds > 0) as overtime,
    (select coalesce(json_object_agg(d.date, json_build_object('banked', d.banked, 'spent', d.spent)), '{}')
       from viewing_time_configs c, generate_series($2::date - (extract(isodow from $2::date)::integer - 1), $3::date, interval '7 days') w,
            vt_bank_days($1, w::date, least(w::date + 6, $3::date), c.bank_cap_minutes) d
      where c.profile_id = $1 and c.bank_cap_minutes is not null and d.date >= $2::date) as bank,
    (select coalesce(json_agg(json_build_object('kind', s.kind, 'start', s.started_at, 'end', least(s.closed_at, s.ends_at))), '[]')
       from family_rule_spans s where s.profile_id = $1 and s.started_at < $5 and coalesce(least(s.closed_at, s.ends_at), 'infinity') > $4) as spans`;

/**
 * What the days of a range ran under, in one statement: each day row's allowed instants
 * (tstzmultirange text; null: any time), and the pauses and breaks overlapping [from, to).
 */
export async function dayFacts(em: EntityManager, profileId: string, dates: { first: string; last: string }, instants: { from: Date; to: Date }) {
  const [row] = await runNamed<{
    windows: Record<string, string | null>; overtime: Record<string, number>; bank: Record<string, { banked: number; spent: number }>;
    spans: { kind: 'pause' | 'break'; start: string; end: string | null }[];
  }>(em, 'history_day_facts', DAY_FACTS, [profileId, dates.first, dates.last, instants.from, instants.to]);
  return {
    windows: new Map(Object.entries(row.windows)),
    overtime: new Map(Object.entries(row.overtime)),
    bank: new Map(Object.entries(row.bank)),
    spans: row.spans.map((s) => ({ kind: s.kind, start: new Date(s.start), end: s.end === null ? null : new Date(s.end) })),
  };
}
