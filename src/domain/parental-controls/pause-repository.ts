import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

// A parent's pause: its statements, each one round trip. The rule lives in src/db/sql/vt_pause.sql
// (setting and lifting) and vt_pause_of.sql (what "paused" means, which the heartbeat applies).

export interface PauseRow {
  outcome: 'paused' | 'lifted' | 'no_profile' | 'adult';
  profile_id: string | null;
  paused_at: Date | null;
  paused_until: Date | null;
}

const PAUSE = 'select * from vt_pause(p_user => $1, p_profile => $2, p_now => $3, p_pause => $4, p_ends => $5)';

/** Pauses (until `ends`, null: until lifted) or lifts one kids profile, or (profile null) every kids profile of the household. */
export function change(em: EntityManager, c: { userId: string; profileId: string | null; now: Date; pause: boolean; ends: Date | null }): Promise<PauseRow[]> {
  return runNamed<PauseRow>(em, 'vt_pause', PAUSE, [c.userId, c.profileId, c.now, c.pause, c.ends]);
}

const CURRENT = 'select s.started_at as paused_at, s.ends_at as paused_until from vt_pause_of($1, $2) s';

/** The pause in force on a profile now, if any. */
export async function current(em: EntityManager, profileId: string, now: Date): Promise<{ paused_at: Date; paused_until: Date | null } | null> {
  return (await runNamed<{ paused_at: Date; paused_until: Date | null }>(em, 'pause_current', CURRENT, [profileId, now]))[0] ?? null;
}

// Pauses that ran out: closed at their end, each with its live event, in one statement (the sweep
// that expires time requests runs it on every process; a row lock keeps each event single).
const EXPIRE = `with ran_out as (
    update family_rule_spans s set closed_at = s.ends_at from profiles p
     where p.id = s.profile_id and s.kind = 'pause' and s.closed_at is null and s.ends_at <= $1
    returning s.profile_id, p.user_id, s.started_at, s.ends_at)
  select count(*)::int as expired,
         vt_emit(array_agg(r.user_id), array_agg(r.profile_id), array_agg('pause'::text),
                 array_agg(jsonb_build_object('action', 'expired', 'profile_id', r.profile_id, 'paused_at', r.started_at, 'paused_until', r.ends_at))) as last
    from ran_out r`;

export async function expireDue(em: EntityManager, now: Date): Promise<number> {
  return (await runNamed<{ expired: number }>(em, 'pause_expire', EXPIRE, [now]))[0].expired;
}

const ACTIVE = `select count(*)::int as n from family_rule_spans s
  where s.kind = 'pause' and s.closed_at is null and s.started_at <= $1 and (s.ends_at is null or s.ends_at > $1)`;

/** Pauses in force now, across every household (a metric). */
export async function activeCount(em: EntityManager, now: Date): Promise<number> {
  return (await runNamed<{ n: number }>(em, 'pause_active', ACTIVE, [now]))[0].n;
}
