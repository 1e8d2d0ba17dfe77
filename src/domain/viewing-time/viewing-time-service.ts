import type { EntityManager } from '@mikro-orm/core';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../../db/db-errors.ts';
import { GroupCommit } from '../../db/group-commit.ts';
import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError, notFound, unauthorized } from '../shared/errors.ts';
import { dayFactsAt, type ConfigService } from './config-service.ts';
import { untouchedRemaining, verdict, type DayFigures, type Enforcement, type Reason } from './enforcement.ts';
import { minutes, WARNING_THRESHOLD_MINUTES } from './rules.ts';
import * as repo from './viewing-time-repository.ts';
import type { BeatInput, BeatRow, DayFacts } from './viewing-time-repository.ts';

export interface HeartbeatInput {
  profile_id: string;
  session_id?: string | null;
  title_id: string;
  device_id: string;
  device_type: string;
  is_paused: boolean;
  seq?: number;
}

export interface HeartbeatResult {
  session_id: string;
  enforcement: Enforcement;
  reason: Reason;
  remaining_minutes: number | null;
  remaining_seconds: number | null;
  budget_remaining_minutes: number | null;
  used_minutes: number;
  educational_minutes: number;
  is_educational: boolean;
  next_reset_at: string | null;
  next_change_at: string | null;
}

// how often a heartbeat computes the day again when its settings keep changing under it
const NEED_DAY_TRIES = 3;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const mins = (s: number | null) => (s === null ? null : minutes(s));

function beatError(row: BeatRow): AppError | null {
  switch (row.outcome) {
    case 'no_profile': return notFound('profile');
    case 'inactive': return unauthorized('this account is disabled or no longer exists', 'account_disabled');
    case 'no_title': return notFound('title');
    case 'not_found': return notFound('session');
    case 'need_day': return new AppError('unavailable', 'settings_changing', 'the settings are changing; retry shortly', { retry_after: 1 });
    default: return null;
  }
}

/** Heartbeats, balances, eligibility and session ends: the player's side of the service. */
export class ViewingTimeService {
  readonly #em: EntityManager;
  readonly #identity: IdentityService;
  readonly #configs: ConfigService;
  readonly #clock: Clock;
  // end of the last viewing day a statement reported per profile: before it, that day's row exists
  readonly #dayEnds: LRUCache<string, number>;
  /** Heartbeats of this process, group-committed: one statement in flight, the next batch forming behind it. */
  readonly beats: GroupCommit<BeatInput, BeatRow>;

  constructor(d: {
    em: EntityManager; identity: IdentityService; configs: ConfigService; clock: Clock; maxProfiles: number; maxBatch: number; paceMs: number; log: Logger;
    onStatement?: (beats: number) => void;
  }) {
    this.#em = d.em;
    this.#identity = d.identity;
    this.#configs = d.configs;
    this.#clock = d.clock;
    this.#dayEnds = new LRUCache({ max: d.maxProfiles });
    this.beats = new GroupCommit({
      maxBatch: d.maxBatch, lanes: 1, text: repo.HEARTBEATS_STATEMENT, isFatal: isDatabaseUnavailable,
      pace: d.paceMs > 0 ? { intervalMs: d.paceMs, minItems: 2 } : undefined,
      run: (items) => repo.heartbeats(this.#em, items),
      onRetry: (size, err) => d.log.warn({ err, size }, 'a heartbeat batch failed; its beats are retried one by one'),
      onStatement: d.onStatement,
    });
  }

  /**
   * One round trip: the statement checks ownership, title and the day's row itself. Only a
   * profile's first beat of a viewing day, on a process that has not seen its settings, takes a
   * second one (need_day) to create that day's row.
   */
  async heartbeat(principal: Principal, input: HeartbeatInput): Promise<HeartbeatResult> {
    this.#identity.checkScope(principal, input.profile_id);
    const now = this.#clock.now();
    const beat = (day: DayFacts | null) => this.beats.submit({
      userId: principal.userId, profileId: input.profile_id, sessionId: input.session_id ?? null, titleId: input.title_id,
      deviceId: input.device_id, deviceType: input.device_type, paused: input.is_paused, seq: input.seq ?? null, now, day,
    });
    let row = await beat(this.#dayGuess(input.profile_id, now));
    for (let i = 1; row.outcome === 'need_day' && i < NEED_DAY_TRIES; i++) {
      row = await beat(dayFactsAt(now, this.#configs.learn(input.profile_id, row.config!)));
    }
    const error = beatError(row);
    if (error) throw error;
    if (row.day_end) this.#dayEnds.set(input.profile_id, new Date(row.day_end).getTime());
    const v = verdict(figures(row), now, { superseded: row.outcome === 'superseded', exemptEducational: Boolean(row.is_educational && row.educational_exempt) });
    return {
      session_id: row.session_id!,
      enforcement: v.enforcement,
      reason: v.reason,
      remaining_minutes: mins(v.timeLeftSeconds),
      remaining_seconds: v.timeLeftSeconds,
      budget_remaining_minutes: mins(row.remaining_seconds),
      used_minutes: minutes(row.used_seconds ?? 0),
      educational_minutes: minutes(row.educational_seconds ?? 0),
      is_educational: row.is_educational!,
      next_reset_at: iso(row.day_end),
      next_change_at: iso(v.nextChangeAt),
    };
  }

  /** The day to pass along: none while the last known day is still running (its row exists). */
  #dayGuess(profileId: string, now: Date): DayFacts | null {
    if ((this.#dayEnds.get(profileId) ?? 0) > now.getTime()) return null;
    const config = this.#configs.peekAny(profileId);
    return config ? dayFactsAt(now, config) : null;
  }

  /** Today's balance of a profile, read fresh in one round trip. */
  async balance(principal: Principal, profileId: string) {
    this.#identity.checkScope(principal, profileId);
    const now = this.#clock.now();
    const row = await repo.balance(this.#em, profileId, now);
    if (!row || row.user_id !== principal.userId) throw notFound('profile');
    if (!row.is_active) throw unauthorized('this account is disabled or no longer exists', 'account_disabled');
    const day = row.is_kids ? dayOf(profileId, row, now, this.#configs) : null;
    const v = verdict({
      kids: row.is_kids, limitMinutes: day?.limitMinutes ?? null, unlimitedOverride: day?.override ?? false, remainingSeconds: day?.remaining ?? null,
      dayEnd: day?.end ?? null, allowed: day?.allowed ?? null,
    }, now);
    return {
      profile_id: profileId,
      date: day?.date ?? null,
      is_child_profile: row.is_kids,
      // the old player locks from this poll: a window is a limit too
      has_limits: (day?.limitMinutes ?? null) !== null || (day?.allowed ?? null) !== null,
      limit_minutes: day?.limitMinutes ?? null,
      used_minutes: minutes(day?.used ?? 0),
      educational_minutes: minutes(day?.educational ?? 0),
      bonus_minutes: minutes(day?.bonus ?? 0),
      is_unlimited_override: day?.override ?? false,
      remaining_minutes: mins(v.timeLeftSeconds),
      remaining_seconds: v.timeLeftSeconds,
      budget_remaining_minutes: mins(day?.remaining ?? null),
      next_reset_at: iso(day?.end ?? null),
      warning_threshold_minutes: [...WARNING_THRESHOLD_MINUTES],
      reason: v.reason,
      next_change_at: iso(v.nextChangeAt),
      allowed_now: v.allowedNow,
    };
  }

  async eligibility(principal: Principal, profileId: string) {
    const b = await this.balance(principal, profileId);
    return { eligible: b.allowed_now, remaining_minutes: b.remaining_minutes, reason: b.reason, next_reset_at: b.next_reset_at, next_change_at: b.next_change_at };
  }

  /** Idempotent: a second call returns the same ended_at and credits nothing more. */
  async endSession(principal: Principal, sessionId: string) {
    await this.#identity.activeUser(principal);
    const only = principal.scope === 'profile' ? principal.profileId : null;
    const row = await repo.endSession(this.#em, sessionId, principal.userId, only, this.#clock.now());
    if (!row) throw notFound('session');
    return { session_id: row.session_id, ended_at: new Date(row.ended_at).toISOString(), end_reason: row.end_reason, total_seconds: row.total_seconds };
  }
}

function figures(row: BeatRow): DayFigures {
  return {
    kids: Boolean(row.is_kids), limitMinutes: row.limit_minutes, unlimitedOverride: Boolean(row.unlimited_override),
    remainingSeconds: row.remaining_seconds, dayEnd: row.day_end ? new Date(row.day_end) : null,
    allowed: row.hours_apply ? repo.parseAllowed(row.allowed) : null,
  };
}

/** Today's figures: from the day's row, or (nothing watched or granted yet) from the settings. */
function dayOf(profileId: string, row: repo.BalanceRow, now: Date, configs: ConfigService) {
  if (row.reset_date !== null) {
    return {
      date: row.reset_date, end: new Date(row.day_end!), limitMinutes: row.limit_minutes, override: row.is_unlimited_override!,
      used: row.used_seconds!, educational: row.educational_seconds!, bonus: row.bonus_seconds!, remaining: row.remaining_seconds,
      allowed: repo.parseAllowed(row.allowed),
    };
  }
  const d = dayFactsAt(now, configs.learn(profileId, row.config!));
  return {
    date: d.date, end: d.end, limitMinutes: d.limitMinutes, override: false, used: 0, educational: 0, bonus: 0, remaining: untouchedRemaining(d.limitMinutes),
    allowed: d.allowed,
  };
}
