import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { dbAnswers, isDatabaseUnavailable, isInDoubt } from '../../db/db-errors.ts';
import { GroupCommit } from '../../db/group-commit.ts';
import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError, notFound, unauthorized } from '../shared/errors.ts';
import { fit } from './fit.ts';
import { verdict, type Enforcement, type Figures, type Pause, type Reason } from './enforcement.ts';
import { bankAvailable, bankSpent, inBreak, weekLeft, type Balance } from './model.ts';
import { minutes, WARNING_THRESHOLD_MINUTES } from './rules.ts';
import type { Today } from './today.ts';
import * as repo from './viewing-time-repository.ts';
import type { BeatInput, BeatRow } from './viewing-time-repository.ts';

export interface HeartbeatInput {
  profile_id: string;
  session_id?: string | null;
  title_id: string;
  device_id: string;
  device_type: string;
  is_paused: boolean;
  seq?: number;
  position_seconds?: number;
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
  paused_until: string | null;
  break_until: string | null;
}

/** A heartbeat not yet sent to the database this long after it arrived is answered 503 (SPEC §6: within 5 s). */
export const HEARTBEAT_WITHDRAW_MS = 4_000;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const mins = (s: number | null) => (s === null ? null : minutes(s));

function beatError(row: BeatRow): AppError | null {
  switch (row.outcome) {
    case 'no_profile': return notFound('profile');
    case 'inactive': return unauthorized('this account is disabled or no longer exists', 'account_disabled');
    case 'no_title': return notFound('title');
    case 'not_found': return notFound('session');
    default: return null;
  }
}

/** A beat's answer as the verdict reads it: the day's figures after the credit (null: an adult profile). */
function figuresOf(row: BeatRow): Figures | null {
  if (!row.is_kids) return null;
  return {
    end: new Date(row.day_end!), allowed: repo.parseAllowed(row.allowed), unlimited: Boolean(row.unlimited_override), limitMinutes: row.limit_minutes,
    usedSeconds: row.used_seconds ?? 0, bonusSeconds: row.bonus_seconds ?? 0,
    breakRule: row.break_after_minutes === null ? null : { afterMinutes: row.break_after_minutes, breakMinutes: row.break_minutes! },
    ...repo.breakCountOf(row), ...repo.weekOf(row),
  };
}

/** Bank spent by a credit of `credited` seconds that left the day at `after`. */
const bankSpentBy = (after: Figures, credited: number) => bankSpent(after) - bankSpent({ ...after, usedSeconds: Math.max(0, after.usedSeconds - credited) });

const pauseOf = (r: { paused: boolean | null; paused_until: Date | null }): Pause | null => (r.paused ? { until: r.paused_until ? new Date(r.paused_until) : null } : null);

/** A break running now, for the answer's break_until. */
const breakUntil = (b: Figures | null, now: Date) => (b && inBreak(b, now) ? iso(b.breakUntil) : null);

/** Heartbeats, balances, eligibility and session ends: the player's side of the service. */
export class ViewingTimeService {
  readonly #em: EntityManager;
  readonly #identity: IdentityService;
  readonly #today: Today;
  readonly #clock: Clock;
  /** Heartbeats of this process, group-committed: one statement in flight, the next batch forming behind it. */
  readonly beats: GroupCommit<BeatInput, BeatRow>;
  readonly #submit: (beat: BeatInput) => Promise<BeatRow>;
  /** What the family rules did in this process's heartbeats (metrics). */
  readonly familyRules = { breaksStarted: 0, gracesStarted: 0, overtimeSeconds: 0, bankSpentSeconds: 0 };

  constructor(d: {
    em: EntityManager; identity: IdentityService; today: Today; clock: Clock; maxBatch: number; paceMs: number; log: Logger;
    onStatement?: (beats: number) => void;
  }) {
    this.#em = d.em;
    this.#identity = d.identity;
    this.#today = d.today;
    this.#clock = d.clock;
    this.beats = new GroupCommit({
      maxBatch: d.maxBatch, text: repo.HEARTBEATS_STATEMENT, isFatal: isDatabaseUnavailable,
      pace: d.paceMs > 0 ? { intervalMs: d.paceMs, minItems: 2 } : undefined,
      run: repo.heartbeatsOf(this.#em),
      onRetry: (size, err) => d.log.warn({ err, size }, 'a heartbeat batch failed; its beats are retried one by one'),
      // SPEC §6: a beat is answered within 5 s, with its result or a 503; a batch whose commit is in
      // doubt goes again as it was (each beat keeps its p_now: by seq, or by server-timed credit, a
      // beat credited twice credits nothing more)
      withdrawAfterMs: HEARTBEAT_WITHDRAW_MS,
      withdrawn: () => new AppError('unavailable', 'database_unavailable', 'the database did not take this heartbeat in time; retry shortly', { retry_after: 5 }),
      inDoubt: isInDoubt,
      onInDoubtRetry: (size, err) => { dbAnswers.inDoubtRetries += size; d.log.warn({ err, size }, 'a heartbeat batch is in doubt; sent again on a new connection'); },
      onStatement: d.onStatement,
    });
    this.#submit = this.beats.submit.bind(this.beats);
  }

  /**
   * One round trip: the statement checks ownership, title and today's row itself; only a profile's
   * first beat of a viewing day on a process that has not seen its settings takes a second (today.ts).
   */
  async heartbeat(principal: Principal, input: HeartbeatInput): Promise<HeartbeatResult> {
    this.#identity.checkScope(principal, input.profile_id);
    const now = this.#clock.now();
    const row = await this.#today.run(input.profile_id, now, {
      userId: principal.userId, profileId: input.profile_id, sessionId: input.session_id ?? null, titleId: input.title_id,
      deviceId: input.device_id, deviceType: input.device_type, paused: input.is_paused, seq: input.seq ?? null, position: input.position_seconds === undefined ? null : Math.min(input.position_seconds, 2 ** 31 - 1), now,
    }, this.#submit);
    const error = beatError(row);
    if (error) throw error;
    const figures = figuresOf(row);
    if (row.break_started) this.familyRules.breaksStarted++;
    if (row.grace_started) this.familyRules.gracesStarted++;
    this.familyRules.overtimeSeconds += row.overtime_credited ?? 0;
    if (figures && row.credited && !(row.is_educational && row.educational_exempt)) this.familyRules.bankSpentSeconds += bankSpentBy(figures, row.credited);
    const pause = pauseOf(row);
    const v = verdict(figures, now, {
      superseded: row.outcome === 'superseded', exemptEducational: Boolean(row.is_educational && row.educational_exempt), hoursApply: Boolean(row.hours_apply),
      pause, graceUntil: row.grace_until ? new Date(row.grace_until) : null,
    });
    return {
      session_id: row.session_id!,
      enforcement: v.enforcement,
      reason: v.reason,
      remaining_minutes: mins(v.timeLeftSeconds),
      remaining_seconds: v.timeLeftSeconds,
      budget_remaining_minutes: mins(v.budgetSeconds),
      used_minutes: minutes(row.used_seconds ?? 0),
      educational_minutes: minutes(row.educational_seconds ?? 0),
      is_educational: row.is_educational!,
      next_reset_at: iso(row.day_end),
      next_change_at: iso(v.nextChangeAt),
      paused_until: iso(pause?.until ?? null),
      break_until: breakUntil(figures, now),
    };
  }

  /** A profile's balance row and today's day (null: an adult), read fresh: one round trip (two when the week's figures for a day without a row were not guessed). */
  async #read(principal: Principal, profileId: string, now: Date): Promise<{ row: repo.BalanceRow; day: Balance | null }> {
    this.#identity.checkScope(principal, profileId);
    const guess = this.#today.weekGuess(profileId, now);
    const row = await repo.balance(this.#em, profileId, now, guess);
    if (!row || row.user_id !== principal.userId) throw notFound('profile');
    if (!row.is_active) throw unauthorized('this account is disabled or no longer exists', 'account_disabled');
    const day = row.is_kids ? await this.#today.balance(profileId, row, now, guess, (date, cap) => repo.week(this.#em, profileId, date, cap)) : null;
    return { row, day };
  }

  /** Today's balance of a profile, read fresh in one round trip. */
  async balance(principal: Principal, profileId: string) {
    const now = this.#clock.now();
    const { row, day } = await this.#read(principal, profileId, now);
    const pause = day ? pauseOf(row) : null;
    const v = verdict(day, now, { pause, graceUntil: row.grace_until ? new Date(row.grace_until) : null });
    return {
      profile_id: profileId,
      date: day?.date ?? null,
      is_child_profile: row.is_kids,
      // the old player locks from this poll: a weekly limit, a window, a break rule and a pause are limits too
      has_limits: day !== null && (day.limitMinutes !== null || day.weeklyLimitMinutes !== null || day.allowed !== null || day.breakRule !== null || pause !== null),
      limit_minutes: day?.limitMinutes ?? null,
      used_minutes: minutes(day?.usedSeconds ?? 0),
      educational_minutes: minutes(day?.educationalSeconds ?? 0),
      bonus_minutes: minutes(day?.bonusSeconds ?? 0),
      // the old player reads this as "no limit today": not while a pause, a break or the hours block
      is_unlimited_override: v.unlimitedNow,
      remaining_minutes: mins(v.timeLeftSeconds),
      remaining_seconds: v.timeLeftSeconds,
      budget_remaining_minutes: mins(v.budgetSeconds),
      next_reset_at: iso(day?.end ?? null),
      warning_threshold_minutes: [...WARNING_THRESHOLD_MINUTES],
      reason: v.reason,
      next_change_at: iso(v.nextChangeAt),
      allowed_now: v.allowedNow,
      paused_until: iso(pause?.until ?? null),
      break_until: breakUntil(day, now),
      bank_minutes: day ? minutes(bankAvailable(day) - bankSpent(day)) : null,
      week_remaining_minutes: day ? mins(weekLeft(day)) : null,
      overtime_minutes: minutes(day?.overtimeSeconds ?? 0),
      unlimited_today: Boolean(day?.unlimited),
    };
  }

  /** Will a title fit, from a position, before anything stops it (SPEC §3a)? Two round trips: today's balance, the title. */
  async fit(principal: Principal, profileId: string, titleId: string, positionSeconds: number) {
    const now = this.#clock.now();
    const { row, day } = await this.#read(principal, profileId, now);
    const title = await repo.title(this.#em, titleId);
    if (!title) throw notFound('title');
    const f = fit({
      day, paused: row.paused && row.is_kids, graceBudgetUsed: Boolean(row.reset_date && day && row.reset_date === day.date && row.grace_budget_used),
      graceWindowEnds: row.reset_date && day && row.reset_date === day.date ? (row.grace_window_ends ?? []).map((d) => new Date(d)) : [],
      title: { durationMinutes: title.duration_minutes, educational: title.is_educational }, positionSeconds,
    }, now);
    return {
      profile_id: profileId, title_id: titleId, fits: f.fits, available_minutes: mins(f.availableSeconds), needed_minutes: mins(f.neededSeconds),
      limited_by: f.limitedBy, finish_grace: f.finishGrace,
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
