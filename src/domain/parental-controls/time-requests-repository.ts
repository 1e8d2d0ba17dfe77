import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

export interface ExpiredRow {
  id: string;
  profile_id: string;
  household_id: string;
  minutes: number;
  message: string | null;
  reset_date: string;
  expires_at: Date;
  created_at: Date;
}

// set-based: every pending request whose viewing day has ended, of one profile, one household or all
const EXPIRE = `update time_requests r set status = 'expired', answered_at = r.expires_at
  from profiles p
  where p.id = r.profile_id and r.status = 'pending' and r.expires_at <= $1
    and ($2::uuid is null or r.profile_id = $2) and ($3::uuid is null or p.user_id = $3)
  returning r.id, r.profile_id, p.user_id as household_id, r.minutes, r.message, r.reset_date::text as reset_date, r.expires_at, r.created_at`;

/** Marks pending requests past the end of their viewing day expired; returns them (for their events). */
export function expireDue(em: EntityManager, now: Date, scope: { profile?: string; household?: string } = {}): Promise<ExpiredRow[]> {
  return runNamed<ExpiredRow>(em, 'time_requests_expire', EXPIRE, [now, scope.profile ?? null, scope.household ?? null]);
}

/** How many requests wait for an answer now, cluster-wide (a gauge of the metrics). */
export async function pendingCount(em: EntityManager): Promise<number> {
  const [row] = await runNamed<{ n: number }>(em, 'time_requests_pending', `select count(*)::int as n from time_requests where status = 'pending'`, []);
  return row.n;
}
