import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';
import { dayParams, type DayParam } from '../viewing-time/viewing-time-repository.ts';

export interface GrantRow {
  outcome: 'granted' | 'need_day';
  grant_id: string | null;
  reset_date: string | null;
  day_end: Date | null;
  used_seconds: number | null;
  bonus_seconds: number | null;
  unlimited_override: boolean | null;
  limit_minutes: number | null;
  remaining_seconds: number | null;
  config: Record<string, unknown> | null;
}

const GRANT = `select * from vt_grant(p_profile => $1, p_granted_by => $2, p_minutes => $3::int, p_device_id => $4, p_now => $5,
  p_day_date => $6, p_day_start => $7, p_day_end => $8, p_day_limit => $9, p_day_exempt => $10, p_config_version => $11,
  p_day_allowed => $12, p_day_ignores => $13, p_day_break_after => $14::integer, p_day_break_minutes => $15::integer, p_day_weekly => $16::integer,
  p_day_week_end => $17::timestamptz, p_day_bank_cap => $18::integer, p_day_grace => $19::integer, p_request => $20)`;

export interface GrantInput { profileId: string; by: string; minutes: number | null; deviceId: string | null; now: Date; day: DayParam | null; requestId: string | null }

export async function grant(em: EntityManager, g: GrantInput): Promise<GrantRow> {
  const rows = await runNamed<GrantRow>(em, 'vt_grant', GRANT, [g.profileId, g.by, g.minutes, g.deviceId, g.now, ...dayParams(g.day), g.requestId]);
  return rows[0];
}

export interface LedgerRow { id: string; minutes: number | null; reset_date: string; granted_at: Date; device_id: string | null; granted_by: string; request_id: string | null }

const LIST = `select g.id, g.minutes, g.reset_date::text as reset_date, g.granted_at, g.device_id, u.email as granted_by, g.request_id
  from time_grants g join users u on u.id = g.granted_by_id
  where g.profile_id = $1 and g.reset_date >= $2 and g.reset_date <= $3 order by g.granted_at desc, g.id desc`;

export function ledger(em: EntityManager, profileId: string, from: string, to: string): Promise<LedgerRow[]> {
  return runNamed<LedgerRow>(em, 'grant_list', LIST, [profileId, from, to]);
}
