import { LockMode, type EntityManager } from '@mikro-orm/core';
import { CachedLoader, type CacheStats } from '../shared/cached-loader.ts';
import type { Clock } from '../shared/clock.ts';
import { conflict, invalidField, notFound } from '../shared/errors.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import { ViewingTimeBalance } from './balance.entity.ts';
import { Profile } from '../accounts/profile.entity.ts';
import { CONFIG_DEFAULTS, ViewingTimeConfig, type IViewingTimeConfig } from './config.entity.ts';
import type { DayFacts } from './viewing-time-repository.ts';
import { isValidTimeZone, viewingDayAt, withBoundaryChange, type DaySettings } from './viewing-day.ts';

export interface ConfigFacts {
  profileId: string;
  settings: DaySettings;
  educationalExempt: boolean;
  version: number;
  updatedAt: Date;
}

export interface ConfigPatch {
  weekday_limit_minutes?: number | null;
  weekend_limit_minutes?: number | null;
  reset_hour?: number;
  timezone?: string;
  educational_exempt?: boolean;
}

type ConfigFields = Pick<IViewingTimeConfig, 'timezone' | 'resetHour' | 'weekdayLimitMinutes' | 'weekendLimitMinutes' | 'previousTimezone'
  | 'previousResetHour' | 'settingsEffectiveAt' | 'educationalExempt' | 'version' | 'updatedAt'>;

export const toFacts = (profileId: string, c: ConfigFields): ConfigFacts => ({
  profileId,
  settings: {
    timezone: c.timezone, resetHour: c.resetHour, weekdayLimitMinutes: c.weekdayLimitMinutes ?? null, weekendLimitMinutes: c.weekendLimitMinutes ?? null,
    previous: c.settingsEffectiveAt ? { timezone: c.previousTimezone ?? c.timezone, resetHour: c.previousResetHour ?? c.resetHour } : null,
    effectiveFrom: c.settingsEffectiveAt ?? null,
  },
  educationalExempt: c.educationalExempt, version: c.version, updatedAt: c.updatedAt,
});

/** The viewing day containing `now` under these settings, with what its balance row records. */
export function dayFactsAt(now: Date, c: ConfigFacts): DayFacts {
  const d = viewingDayAt(now, c.settings);
  return { date: d.date, start: d.start, end: d.end, limitMinutes: d.limitMinutes, educationalExempt: c.educationalExempt, configVersion: c.version };
}

/** From a raw row or vt_config_json() of viewing_time_configs (snake_case columns). */
export function configFromRow(profileId: string, r: Record<string, unknown>): ConfigFacts {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date));
  return toFacts(profileId, {
    timezone: r.timezone as string, resetHour: Number(r.reset_hour),
    weekdayLimitMinutes: (r.weekday_limit_minutes as number | null) ?? null, weekendLimitMinutes: (r.weekend_limit_minutes as number | null) ?? null,
    previousTimezone: (r.previous_timezone as string | null) ?? null,
    previousResetHour: r.previous_reset_hour === null || r.previous_reset_hour === undefined ? null : Number(r.previous_reset_hour),
    settingsEffectiveAt: date(r.settings_effective_at), educationalExempt: Boolean(r.educational_exempt),
    version: Number(r.version), updatedAt: date(r.updated_at) as Date,
  });
}

function checkLimit(field: string, v: number | null | undefined): void {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || v < 15 || v > 480 || v % 15 !== 0) throw invalidField(field, 'must be null (unlimited) or 15..480 in steps of 15');
}

function validate(p: ConfigPatch): void {
  checkLimit('weekday_limit_minutes', p.weekday_limit_minutes);
  checkLimit('weekend_limit_minutes', p.weekend_limit_minutes);
  if (p.reset_hour !== undefined && !(Number.isInteger(p.reset_hour) && p.reset_hour >= 0 && p.reset_hour <= 23)) throw invalidField('reset_hour', 'must be 0..23');
  if (p.timezone !== undefined && !isValidTimeZone(p.timezone)) throw invalidField('timezone', 'must be an IANA time zone name');
}

/**
 * Viewing-time configs behind a TTL/LRU cache (SPEC H-02): read from the database at most once
 * per TTL per profile, dropped at once when the config changes (through the bus). Heartbeats and
 * balance reads never depend on it for correctness: they read the day's row, which a change
 * rewrites, and a day computed from a cached config is version-checked in SQL before it is used.
 */
export class ConfigService {
  readonly #em: EntityManager;
  readonly #bus: InvalidationBus;
  readonly #clock: Clock;
  readonly #cache: CachedLoader<string, ConfigFacts>;
  dbReads = 0;

  constructor(em: EntityManager, bus: InvalidationBus, clock: Clock, opts: { max: number; ttlMs: number }) {
    this.#em = em;
    this.#bus = bus;
    this.#clock = clock;
    this.#cache = new CachedLoader({ ...opts, now: () => clock.now().getTime() });
    bus.subscribe((m) => {
      if (m.entity === 'config') this.#cache.invalidate(m.id);
      else if (m.entity === 'all') this.#cache.clear();
    });
  }

  async get(profileId: string): Promise<ConfigFacts> {
    const facts = await this.#cache.get(profileId, async () => {
      this.dbReads++;
      const c = await this.#em.findOne(ViewingTimeConfig, { profile: profileId });
      return c ? toFacts(profileId, c) : null;
    });
    if (!facts) throw notFound('viewing-time config');
    return facts;
  }

  /** The settings as the database has them now (parent screens: a change made anywhere shows at once). */
  async fresh(profileId: string): Promise<ConfigFacts> {
    const epoch = this.#cache.epoch();
    this.dbReads++;
    const c = await this.#em.findOne(ViewingTimeConfig, { profile: profileId }, { refresh: true });
    if (!c) throw notFound('viewing-time config');
    const facts = toFacts(profileId, c);
    this.#cache.fill(epoch, profileId, facts);
    return facts;
  }

  /**
   * What an adult profile's settings are: none apply, so both limits are null (unlimited), in the
   * household's timezone. The old parent page loads settings for every profile.
   */
  async unlimited(profileId: string): Promise<ConfigFacts> {
    const p = await this.#em.findOne(Profile, { id: profileId }, { populate: ['user'], fields: ['createdAt', 'user.timezone'] });
    if (!p) throw notFound('profile');
    return toFacts(profileId, {
      timezone: p.user.timezone, resetHour: CONFIG_DEFAULTS.resetHour, weekdayLimitMinutes: null, weekendLimitMinutes: null, previousTimezone: null,
      previousResetHour: null, settingsEffectiveAt: null, educationalExempt: CONFIG_DEFAULTS.educationalExempt, version: 0, updatedAt: p.createdAt,
    });
  }

  /** Any cached config, even past its TTL (a day computed from it is version-checked in SQL). */
  peekAny(profileId: string): ConfigFacts | undefined {
    return this.#cache.peekAllowStale(profileId)?.value;
  }

  /** Keeps settings a statement handed back (vt_config_json) and returns them. */
  learn(profileId: string, row: Record<string, unknown>): ConfigFacts {
    const facts = configFromRow(profileId, row);
    this.dbReads++;
    this.#cache.fill(this.#cache.epoch(), profileId, facts);
    return facts;
  }

  stats(): CacheStats {
    return this.#cache.stats();
  }

  /**
   * Partial update. Limits apply at once; a reset hour or timezone change from the next day
   * boundary. A stale expectedVersion is a 409. Today's balance row gets today's new facts in the
   * same transaction, so every process's next heartbeat or balance read sees the change; caches
   * everywhere drop the entry.
   */
  async update(profileId: string, patch: ConfigPatch, expectedVersion?: number): Promise<ConfigFacts> {
    validate(patch);
    const facts = await this.#em.transactional(async (em) => {
      const c = await em.findOne(ViewingTimeConfig, { profile: profileId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!c) throw notFound('viewing-time config');
      if (expectedVersion !== undefined && expectedVersion !== c.version) {
        throw conflict('version_conflict', `the settings changed since version ${expectedVersion}; reload them`, { current_version: c.version });
      }
      const now = this.#clock.now();
      const next = withBoundaryChange(now, toFacts(profileId, c).settings, { resetHour: patch.reset_hour, timezone: patch.timezone });
      c.resetHour = next.resetHour;
      c.timezone = next.timezone;
      c.previousResetHour = next.previous?.resetHour ?? null;
      c.previousTimezone = next.previous?.timezone ?? null;
      c.settingsEffectiveAt = next.effectiveFrom;
      if (patch.weekday_limit_minutes !== undefined) c.weekdayLimitMinutes = patch.weekday_limit_minutes;
      if (patch.weekend_limit_minutes !== undefined) c.weekendLimitMinutes = patch.weekend_limit_minutes;
      if (patch.educational_exempt !== undefined) c.educationalExempt = patch.educational_exempt;
      c.version += 1;
      c.updatedAt = now;
      await em.flush();
      const facts = toFacts(profileId, c);
      const today = dayFactsAt(now, facts);
      await em.nativeUpdate(ViewingTimeBalance, { profile: profileId, dayStart: { $lte: now }, dayEnd: { $gt: now } },
        { limitMinutes: today.limitMinutes, educationalExempt: today.educationalExempt, updatedAt: now });
      return facts;
    });
    this.#bus.publish({ entity: 'config', id: profileId });
    return facts;
  }
}
