import type { EntityManager } from '@mikro-orm/core';
import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { invalidField } from '../shared/errors.ts';
import { runNamed } from '../shared/sql.ts';
import type { ConfigService } from '../viewing-time/config-service.ts';
import { minutes as toMinutes, remainingSeconds } from '../viewing-time/enforcement.ts';
import { viewingDayAt } from '../viewing-time/viewing-day.ts';
import type { PinService } from './pin-service.ts';

// One statement: the ledger row and the day's balance change together or not at all.
// Minutes add to bonus_seconds (nothing is lost when little was used); null = unlimited today.
const GRANT = `with g as (
    insert into time_grants (id, profile_id, granted_by_id, minutes, reset_date, device_id, granted_at)
    values (gen_random_uuid(), $1, $2, $3::int, $4, $5, $6) returning id
  )
  insert into viewing_time_balances as b (id, profile_id, reset_date, day_start, day_end, limit_minutes, bonus_seconds, is_unlimited_override, updated_at)
  select gen_random_uuid(), $1, $4, $7, $8, $9, coalesce($3::int, 0) * 60, $3::int is null, $6 from g
  on conflict (profile_id, reset_date) do update set
    bonus_seconds = b.bonus_seconds + excluded.bonus_seconds,
    is_unlimited_override = b.is_unlimited_override or excluded.is_unlimited_override,
    limit_minutes = excluded.limit_minutes, updated_at = excluded.updated_at
  returning (select id from g) as grant_id, used_seconds, educational_seconds, bonus_seconds, is_unlimited_override`;

const LIST = `select g.id, g.minutes, to_char(g.reset_date, 'YYYY-MM-DD') as reset_date, g.granted_at, g.device_id, u.email as granted_by
  from time_grants g join users u on u.id = g.granted_by_id
  where g.profile_id = $1 and g.reset_date >= $2 and g.reset_date <= $3 order by g.granted_at desc, g.id desc`;

interface GrantRow { grant_id: string; used_seconds: number; educational_seconds: number; bonus_seconds: number; is_unlimited_override: boolean }

/** Extra time for today (additive minutes or unlimited), recorded in an append-only ledger. */
export class GrantsService {
  readonly #em: EntityManager;
  readonly #identity: IdentityService;
  readonly #configs: ConfigService;
  readonly #pins: PinService;
  readonly #clock: Clock;

  constructor(d: { em: EntityManager; identity: IdentityService; configs: ConfigService; pins: PinService; clock: Clock }) {
    this.#em = d.em;
    this.#identity = d.identity;
    this.#configs = d.configs;
    this.#pins = d.pins;
    this.#clock = d.clock;
  }

  async grant(principal: Principal, profileId: string, input: { minutes: number | null; device_id?: string; pin?: string; pin_token?: string }) {
    await this.#identity.ownedProfile(principal, profileId);
    const config = await this.#configs.get(profileId);
    await this.#pins.authorize(principal.userId, input);
    const now = this.#clock.now();
    const day = viewingDayAt(now, config.settings);
    const [row] = await runNamed<GrantRow>(this.#em, 'grant_time', GRANT, [
      profileId, principal.userId, input.minutes, day.date, input.device_id ?? null, now, day.start, day.end, day.limitMinutes,
    ]);
    const remaining = remainingSeconds({ limitMinutes: day.limitMinutes, usedSeconds: row.used_seconds, educationalSeconds: row.educational_seconds, bonusSeconds: row.bonus_seconds, unlimitedOverride: row.is_unlimited_override });
    return {
      grant_id: row.grant_id, profile_id: profileId, date: day.date, minutes: input.minutes, unlimited_today: row.is_unlimited_override,
      bonus_minutes: toMinutes(row.bonus_seconds), remaining_minutes: remaining === null ? null : toMinutes(remaining), expires_at: day.end.toISOString(),
    };
  }

  async list(principal: Principal, profileId: string, range: { from?: string; to?: string }) {
    await this.#identity.ownedProfile(principal, profileId);
    const today = viewingDayAt(this.#clock.now(), (await this.#configs.get(profileId)).settings).date;
    const to = range.to ?? today;
    const from = range.from ?? shiftDate(to, -30);
    if (from > to) throw invalidField('from', 'must not be after to');
    const rows = await runNamed<{ id: string; minutes: number | null; reset_date: string; granted_at: Date; device_id: string | null; granted_by: string }>(
      this.#em, 'grant_list', LIST, [profileId, from, to]);
    return {
      from, to,
      items: rows.map((r) => ({ id: r.id, minutes: r.minutes, unlimited: r.minutes === null, date: r.reset_date, granted_at: new Date(r.granted_at).toISOString(), granted_by: r.granted_by, device_id: r.device_id })),
    };
  }
}

export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
