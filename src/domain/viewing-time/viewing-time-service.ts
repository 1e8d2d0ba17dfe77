import type { EntityManager } from '@mikro-orm/core';
import type { IdentityService, ProfileFacts } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { notFound } from '../shared/errors.ts';
import type { PlayerContext, PlayerFacts } from './player-context.ts';
import { enforcementFor, minutes, remainingSeconds, type BalanceFigures, type Enforcement } from './enforcement.ts';
import * as repo from './viewing-time-repository.ts';
import { viewingDayAt, type ViewingDay } from './viewing-day.ts';

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
  remaining_minutes: number | null;
  remaining_seconds: number | null;
  used_minutes: number;
  educational_minutes: number;
  is_educational: boolean;
  next_reset_at: string | null;
}

interface DayContext {
  profile: ProfileFacts;
  day: ViewingDay | null;
  exempt: boolean;
}

const ADULT_DAY = { date: '1970-01-01', start: new Date(0), end: new Date(1) };

/** Heartbeats, balances, eligibility and session ends: the player's side of the service. */
export class ViewingTimeService {
  readonly #em: EntityManager;
  readonly #player: PlayerContext;
  readonly #identity: IdentityService;
  readonly #clock: Clock;

  constructor(d: { em: EntityManager; player: PlayerContext; identity: IdentityService; clock: Clock }) {
    this.#em = d.em;
    this.#player = d.player;
    this.#identity = d.identity;
    this.#clock = d.clock;
  }

  /** Ownership, title and config come from caches; the statement itself is one round trip. */
  async heartbeat(principal: Principal, input: HeartbeatInput): Promise<HeartbeatResult> {
    const now = this.#clock.now();
    const facts = await this.#player.load(principal, input.profile_id, input.title_id);
    let ctx = dayContext(facts, now);
    const epoch = this.#player.configEpoch();
    const beat = (c: DayContext, staleVersion: number | null) => repo.heartbeat(this.#em, {
      profileId: input.profile_id, sessionId: input.session_id ?? null, titleId: input.title_id, titleEducational: facts.title!.isEducational,
      deviceId: input.device_id, deviceType: input.device_type, paused: input.is_paused, seq: input.seq ?? null, now,
      day: c.day ?? ADULT_DAY, limitMinutes: c.day?.limitMinutes ?? null, exempt: c.exempt, counts: c.profile.isKids, staleConfigVersion: staleVersion,
    });
    let row = await beat(ctx, facts.configStale ? facts.config!.version : null);
    if (row.config) {
      // the cached config was past its TTL and the statement re-read it: keep it, and if it had
      // changed (an invalidation we never heard of), redo the beat with the new settings
      const fresh = this.#player.refreshConfig(input.profile_id, row.config, epoch);
      if (row.outcome === 'config_changed') {
        ctx = dayContext({ ...facts, config: fresh }, now);
        row = await beat(ctx, null);
      }
    }
    if (row.outcome === 'not_found') throw notFound('session');
    const figures = figuresOf(ctx, row);
    const remaining = remainingSeconds(figures);
    return {
      session_id: row.session_id,
      enforcement: row.outcome === 'ended' ? 'session_ended' : enforcementFor(remaining, row.is_educational && ctx.exempt),
      remaining_minutes: remaining === null ? null : minutes(remaining),
      remaining_seconds: remaining,
      used_minutes: minutes(figures.usedSeconds),
      educational_minutes: minutes(figures.educationalSeconds),
      is_educational: row.is_educational,
      next_reset_at: ctx.day?.end.toISOString() ?? null,
    };
  }

  /** Today's balance of a profile: at most one round trip (none for an adult profile with warm caches). */
  async balance(principal: Principal, profileId: string) {
    const now = this.#clock.now();
    const facts = await this.#player.load(principal, profileId, null, now);
    const ctx = dayContext(facts, now);
    const row = facts.balance !== undefined ? facts.balance : ctx.day ? await repo.balance(this.#em, profileId, ctx.day.date) : null;
    const figures = figuresOf(ctx, row ? { ...row, unlimited_override: row.is_unlimited_override } : null);
    const remaining = remainingSeconds(figures);
    return {
      profile_id: profileId,
      date: ctx.day?.date ?? null,
      is_kids: ctx.profile.isKids,
      limit_minutes: figures.limitMinutes,
      used_minutes: minutes(figures.usedSeconds),
      educational_minutes: minutes(figures.educationalSeconds),
      bonus_minutes: minutes(figures.bonusSeconds),
      is_unlimited: remaining === null,
      remaining_minutes: remaining === null ? null : minutes(remaining),
      remaining_seconds: remaining,
      next_reset_at: ctx.day?.end.toISOString() ?? null,
    };
  }

  async eligibility(principal: Principal, profileId: string) {
    const b = await this.balance(principal, profileId);
    const reason = !b.is_kids ? 'adult_profile'
      : b.limit_minutes === null ? 'no_limit'
      : b.is_unlimited ? 'unlimited_today'
      : (b.remaining_seconds ?? 0) > 0 ? 'within_limit' : 'daily_limit_reached';
    return { eligible: reason !== 'daily_limit_reached', remaining_minutes: b.remaining_minutes, reason, next_reset_at: b.next_reset_at };
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

function dayContext(facts: PlayerFacts, now: Date): DayContext {
  if (!facts.config) return { profile: facts.profile, day: null, exempt: false };
  return { profile: facts.profile, day: viewingDayAt(now, facts.config.settings), exempt: facts.config.educationalExempt };
}

type Counters = { used_seconds: number; educational_seconds: number; bonus_seconds: number; unlimited_override: boolean };

function figuresOf(ctx: DayContext, row: Counters | null): BalanceFigures {
  return {
    limitMinutes: ctx.day ? ctx.day.limitMinutes : null,
    usedSeconds: row?.used_seconds ?? 0,
    educationalSeconds: row?.educational_seconds ?? 0,
    bonusSeconds: row?.bonus_seconds ?? 0,
    unlimitedOverride: row?.unlimited_override ?? false,
  };
}
