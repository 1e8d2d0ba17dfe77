import type { EntityManager } from '@mikro-orm/core';
import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { invalidField } from '../shared/errors.ts';
import type { ConfigService } from '../viewing-time/config-service.ts';
import { minutes as toMinutes } from '../viewing-time/rules.ts';
import type { Today } from '../viewing-time/today.ts';
import { addDays } from '../viewing-time/viewing-day.ts';
import * as repo from './grants-repository.ts';
import type { PinService } from './pin-service.ts';

export interface GrantInput {
  minutes: number | null;
  device_id?: string | null;
  pin?: string | null;
  pin_token?: string | null;
}

/** Extra time for today (additive minutes or unlimited), recorded in an append-only ledger. */
export class GrantsService {
  readonly #em: EntityManager;
  readonly #identity: IdentityService;
  readonly #configs: ConfigService;
  readonly #pins: PinService;
  readonly #clock: Clock;
  readonly #today: Today;

  constructor(d: { em: EntityManager; identity: IdentityService; configs: ConfigService; pins: PinService; clock: Clock; today: Today }) {
    this.#em = d.em;
    this.#identity = d.identity;
    this.#configs = d.configs;
    this.#pins = d.pins;
    this.#clock = d.clock;
    this.#today = d.today;
  }

  /** One statement writes the ledger row and the day's balance; every process sees it at once. */
  async grant(principal: Principal, profileId: string, input: GrantInput) {
    await this.#identity.ownedProfile(principal, profileId);
    await this.#configs.get(profileId); // 404 for an adult profile before asking for a PIN
    await this.#pins.authorize(principal, input);
    return this.grantIn(this.#em, principal, profileId, { minutes: input.minutes, deviceId: input.device_id ?? null, requestId: null });
  }

  /**
   * Writes a grant in `em`'s transaction when it has one (an approved time request links it), after
   * the caller checked ownership and PIN proof.
   */
  async grantIn(em: EntityManager, principal: Principal, profileId: string, g: { minutes: number | null; deviceId: string | null; requestId: string | null }) {
    const now = this.#clock.now();
    const row = await this.#today.run(profileId, now, { profileId, by: principal.userId, minutes: g.minutes, deviceId: g.deviceId, requestId: g.requestId, now },
      (input: repo.GrantInput) => repo.grant(em, input));
    const remaining = row.remaining_seconds;
    return {
      granted_minutes: g.minutes,
      remaining_minutes: remaining === null ? null : toMinutes(remaining),
      is_unlimited_override: row.unlimited_override!,
      grant_id: row.grant_id!, profile_id: profileId, date: row.reset_date!,
      bonus_minutes: toMinutes(row.bonus_seconds!), expires_at: new Date(row.day_end!).toISOString(),
    };
  }

  async list(principal: Principal, profileId: string, range: { from_date?: string; to_date?: string }) {
    await this.#identity.ownedProfile(principal, profileId);
    const today = (await this.#today.day(profileId, this.#clock.now())).date;
    const to = range.to_date ?? today;
    const from = range.from_date ?? addDays(to, -29); // 30 days with to_date, as history counts them
    if (from > to) throw invalidField('from_date', 'must not be after to_date');
    const rows = await repo.ledger(this.#em, profileId, from, to);
    return {
      from_date: from, to_date: to,
      items: rows.map((r) => ({ id: r.id, minutes: r.minutes, unlimited: r.minutes === null, date: r.reset_date, granted_at: new Date(r.granted_at).toISOString(), granted_by: r.granted_by, device_id: r.device_id, request_id: r.request_id })),
    };
  }
}
