import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../shared/sql.ts';

// The player's hot statements; each is one round trip (see runNamed).

export interface BeatInput {
  profileId: string;
  sessionId: string | null;
  titleId: string;
  titleEducational: boolean;
  deviceId: string;
  deviceType: string;
  paused: boolean;
  seq: number | null;
  now: Date;
  day: { date: string; start: Date; end: Date };
  limitMinutes: number | null;
  exempt: boolean;
  counts: boolean;
  /** The version of a cached config past its TTL: the statement re-reads and checks it. */
  staleConfigVersion: number | null;
}

export interface BeatRow {
  session_id: string;
  outcome: 'started' | 'ok' | 'retry' | 'ended' | 'not_found' | 'config_changed';
  is_educational: boolean;
  used_seconds: number;
  educational_seconds: number;
  bonus_seconds: number;
  unlimited_override: boolean;
  /** The config row (snake_case) when staleConfigVersion was given. */
  config: Record<string, unknown> | null;
}

// vt_heartbeat (migration 20261123200000): locks the session, credits, upserts the day's balance, returns it
const HEARTBEAT = 'select * from vt_heartbeat($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)';

export async function heartbeat(em: EntityManager, b: BeatInput): Promise<BeatRow> {
  const rows = await runNamed<BeatRow>(em, 'vt_heartbeat', HEARTBEAT, [
    b.profileId, b.sessionId, b.titleId, b.titleEducational, b.deviceId, b.deviceType, b.paused, b.seq, b.now,
    b.day.date, b.day.start, b.day.end, b.limitMinutes, b.exempt, b.counts, b.staleConfigVersion,
  ]);
  return rows[0];
}

export interface BalanceRow {
  used_seconds: number;
  educational_seconds: number;
  bonus_seconds: number;
  is_unlimited_override: boolean;
}

const BALANCE = `select used_seconds, educational_seconds, bonus_seconds, is_unlimited_override
  from viewing_time_balances where profile_id = $1 and reset_date = $2`;

export async function balance(em: EntityManager, profileId: string, date: string): Promise<BalanceRow | null> {
  const rows = await runNamed<BalanceRow>(em, 'vt_balance', BALANCE, [profileId, date]);
  return rows[0] ?? null;
}

export interface EndRow {
  session_id: string;
  profile_id: string;
  ended_at: Date;
  end_reason: string;
  total_seconds: number;
}

// vt_end_session: idempotent; only sessions of the user's profiles (and of the scoped profile, if any)
const END = 'select * from vt_end_session($1, $2, $3, $4)';

export async function endSession(em: EntityManager, sessionId: string, userId: string, onlyProfile: string | null, now: Date): Promise<EndRow | null> {
  const rows = await runNamed<EndRow>(em, 'vt_end_session', END, [sessionId, userId, onlyProfile, now]);
  return rows[0] ?? null;
}
