// "Pause now": a parent stops one child's viewing, or every child's, for some minutes, until an
// instant, or until lifted (docs/architecture.md names where each part of the rule lives). Needs
// PIN proof; the heartbeat, the balance and eligibility read the pause in the same statements
// that read the day (vt_pause_of), so every process applies it from the next beat on.
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError, invalidField, notFound } from '../shared/errors.ts';
import * as repo from './pause-repository.ts';
import type { PinService } from './pin-service.ts';

/** A pause lasts 5 minutes at least and 12 hours at most. */
export const PAUSE_MINUTES = { min: 5, max: 720 } as const;

export interface PauseInput {
  minutes?: number | null;
  until?: string | null;
  pin?: string | null;
  pin_token?: string | null;
}

export interface PauseView {
  profile_id: string;
  paused_at: string;
  paused_until: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export class PauseService {
  readonly #em: EntityManager;
  readonly #pins: PinService;
  readonly #clock: Clock;

  constructor(d: { em: EntityManager; pins: PinService; clock: Clock }) {
    this.#em = d.em;
    this.#pins = d.pins;
    this.#clock = d.clock;
  }

  /** The end a request asks for: `minutes` from now, `until`, or neither (until lifted); both is a 422. */
  endOf(input: PauseInput, now: Date): Date | null {
    const { minutes, until } = input;
    if (minutes != null && until != null) throw invalidField('until', 'give minutes or until, not both (neither: until lifted)');
    if (minutes != null) return new Date(now.getTime() + minutes * 60_000);
    if (until == null) return null;
    const end = new Date(until);
    if (end.getTime() <= now.getTime()) throw invalidField('until', 'must be later than now');
    if (end.getTime() > now.getTime() + PAUSE_MINUTES.max * 60_000) throw invalidField('until', `must be at most ${PAUSE_MINUTES.max} minutes from now`);
    return end;
  }

  /** Pauses one kids profile (profileId) or every kids profile of the household (null). */
  async pause(principal: Principal, profileId: string | null, input: PauseInput): Promise<PauseView[]> {
    const now = this.#clock.now();
    const ends = this.endOf(input, now);
    await this.#pins.authorize(principal, input);
    return (await this.#change(principal, profileId, now, true, ends)).map((r) => ({ profile_id: r.profile_id!, paused_at: iso(r.paused_at)!, paused_until: iso(r.paused_until) }));
  }

  /** Lifts the pause of one kids profile, or of every kids profile of the household (whoever set it); nothing paused is fine too. */
  async lift(principal: Principal, profileId: string | null, proof: Pick<PauseInput, 'pin' | 'pin_token'>): Promise<void> {
    await this.#pins.authorize(principal, proof);
    await this.#change(principal, profileId, this.#clock.now(), false, null);
  }

  /** The pause in force on a profile, as the settings show it. */
  async current(profileId: string): Promise<Omit<PauseView, 'profile_id'> | null> {
    const r = await repo.current(this.#em, profileId, this.#clock.now());
    return r ? { paused_at: iso(r.paused_at)!, paused_until: iso(r.paused_until) } : null;
  }

  /** Pauses that ran out get closed, each with its `expired` event (the periodic sweep). */
  expireDue(): Promise<number> {
    return repo.expireDue(this.#em, this.#clock.now());
  }

  activeCount(): Promise<number> {
    return repo.activeCount(this.#em, this.#clock.now());
  }

  async #change(principal: Principal, profileId: string | null, now: Date, pause: boolean, ends: Date | null) {
    const rows = await repo.change(this.#em, { userId: principal.userId, profileId, now, pause, ends });
    if (rows[0]?.outcome === 'no_profile') throw notFound('profile');
    if (rows[0]?.outcome === 'adult') throw new AppError('validation', 'adult_profile', 'profile_id: adult profiles have no viewing-time rules and cannot be paused', { field: 'profile_id' });
    return rows;
  }
}
