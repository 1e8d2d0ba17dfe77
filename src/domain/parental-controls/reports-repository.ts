import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

// History: half-open timestamp range on started_at (H-05) so the (profile_id, started_at DESC)
// index serves it; only the title's id and name are read (H-04). Pages are whole viewing days: the
// service narrows [from, to) to the days still to show (limit null: a whole day, however long).
const HISTORY = `select s.id, s.started_at, s.ended_at, s.end_reason, s.total_seconds, s.is_educational, s.device_type, s.device_id,
    t.id as title_id, t.title
  from viewing_sessions s left join titles t on t.id = s.title_id
  where s.profile_id = $1 and s.started_at >= $2 and s.started_at < $3
  order by s.started_at desc, s.id desc limit $4`;

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

export interface SessionRow { id: string; started_at: Date; ended_at: Date | null; end_reason: string | null; total_seconds: number; is_educational: boolean; device_type: string; device_id: string; title_id: string | null; title: string | null }

/** Sessions of a profile started in [from, to), newest first, at most `limit`. */
export function historyRows(em: EntityManager, profileId: string, from: Date, to: Date, limit: number | null): Promise<SessionRow[]> {
  return runNamed<SessionRow>(em, 'history_page', HISTORY, [profileId, from, to, limit]);
}

/** Everything a weekly report needs, for every kids profile of the account, as JSON text. */
export async function weekRows(em: EntityManager, userId: string, start: string, end: string, from: Date, to: Date): Promise<string> {
  const [row] = await runNamed<{ data: string }>(em, 'weekly_report', WEEK, [userId, start, end, from, to]);
  return row.data;
}
