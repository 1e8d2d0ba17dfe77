import { LockMode, type EntityManager } from '@mikro-orm/core';
import { Profile, type IProfile } from '../accounts/profile.entity.ts';
import { CachedLoader, type CacheStats } from '../shared/cached-loader.ts';
import type { Clock } from '../shared/clock.ts';
import { conflict, invalidField, notFound } from '../shared/errors.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import * as events from '../live-events/events-repository.ts';
import { NO_HOURS, windowProblem, type AllowedHours, type Overrides, type Window } from './allowed-hours.ts';
import { CONFIG_DEFAULTS, ViewingTimeConfig, type IViewingTimeConfig } from './config.entity.ts';
import { configView } from './config-view.ts';
import { dayAt, settingsFrom, settingsFromRow, WEEKDAYS, type ConfigFields, type DailyLimits, type Settings, type Weekday } from './model.ts';
import { ViewingTimeOverride } from './override.entity.ts';
import { addDays, isValidTimeZone, spanAt, spanOf, withBoundaryChange, type Boundaries } from './viewing-day.ts';
import * as repo from './viewing-time-repository.ts';

export interface ConfigPatch {
  /** The old apps' view: Monday to Friday at once, Saturday and Sunday at once. */
  weekday_limit_minutes?: number | null;
  weekend_limit_minutes?: number | null;
  /** Some or all days of the week. */
  daily_limits?: Partial<DailyLimits>;
  break_rule?: { after_minutes: number; break_minutes: number } | null;
  weekly_limit_minutes?: number | null;
  bank?: { cap_minutes: number } | null;
  finish_grace_minutes?: number;
  reset_hour?: number;
  timezone?: string;
  educational_exempt?: boolean;
  allowed_hours?: Partial<AllowedHours>;
  educational_ignores_hours?: boolean;
}

/** Overrides may be set from today's viewing day to this many days ahead. */
export const OVERRIDE_DAYS_AHEAD = 30;

/** The stored windows (a freshly created row may still hold its default as JSON text). */
const hoursOf = (v: unknown): AllowedHours => ({ ...NO_HOURS, ...((typeof v === 'string' ? JSON.parse(v) : v) as Partial<AllowedHours> | null ?? {}) });

/** A config row (and the profile's overrides) as the model's Settings. */
export const toSettings = (profileId: string, c: IViewingTimeConfig | ConfigFields, overrides: Overrides = {}): Settings =>
  settingsFrom(profileId, { ...c, allowedHours: hoursOf(c.allowedHours) }, overrides);

function checkLimit(field: string, v: number | null | undefined): void {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || v < 15 || v > 480 || v % 15 !== 0) throw invalidField(field, 'must be null (unlimited) or 15..480 in steps of 15');
}

const WORKDAYS: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
const WEEKEND: Weekday[] = ['saturday', 'sunday'];

/**
 * The days a patch sets: the old weekday field covers Monday to Friday, the weekend field Saturday
 * and Sunday, daily_limits any days it names; one day named both ways is a 422 (daily_limits).
 */
function limitsOf(p: ConfigPatch): Partial<DailyLimits> {
  const out: Partial<DailyLimits> = {};
  if (p.weekday_limit_minutes !== undefined) for (const d of WORKDAYS) out[d] = p.weekday_limit_minutes;
  if (p.weekend_limit_minutes !== undefined) for (const d of WEEKEND) out[d] = p.weekend_limit_minutes;
  for (const [day, limit] of Object.entries(p.daily_limits ?? {}) as [Weekday, number | null][]) {
    if (day in out) throw invalidField('daily_limits', `${day} is named twice: by ${WORKDAYS.includes(day) ? 'weekday' : 'weekend'}_limit_minutes and by daily_limits`);
    out[day] = limit;
  }
  return out;
}

function checkBreakRule(r: ConfigPatch['break_rule']): void {
  if (!r) return;
  const { after_minutes: after, break_minutes: pause } = r;
  if (!Number.isInteger(after) || after < 15 || after > 180 || after % 15 !== 0) throw invalidField('break_rule.after_minutes', 'must be 15..180 in steps of 15');
  if (!Number.isInteger(pause) || pause < 5 || pause > 60 || pause % 5 !== 0) throw invalidField('break_rule.break_minutes', 'must be 5..60 in steps of 5');
}

function checkWindows(list: Window[], resetHour: number, path: string): void {
  const problem = windowProblem(list, resetHour, path);
  if (problem) throw invalidField(problem.field, problem.message);
}

function validate(p: ConfigPatch): void {
  checkLimit('weekday_limit_minutes', p.weekday_limit_minutes);
  checkLimit('weekend_limit_minutes', p.weekend_limit_minutes);
  for (const d of WEEKDAYS) checkLimit(`daily_limits.${d}`, p.daily_limits?.[d]);
  checkBreakRule(p.break_rule);
  const w = p.weekly_limit_minutes;
  if (w !== undefined && w !== null && (!Number.isInteger(w) || w < 60 || w > 3360 || w % 15 !== 0)) throw invalidField('weekly_limit_minutes', 'must be null (none) or 60..3360 in steps of 15');
  const cap = p.bank?.cap_minutes;
  if (p.bank && (!Number.isInteger(cap) || cap! < 15 || cap! > 240 || cap! % 15 !== 0)) throw invalidField('bank.cap_minutes', 'must be 15..240 in steps of 15');
  const g = p.finish_grace_minutes;
  if (g !== undefined && (!Number.isInteger(g) || g < 0 || g > 30)) throw invalidField('finish_grace_minutes', 'must be 0..30 (0: off)');
  limitsOf(p); // a day named twice
  if (p.reset_hour !== undefined && !(Number.isInteger(p.reset_hour) && p.reset_hour >= 0 && p.reset_hour <= 23)) throw invalidField('reset_hour', 'must be 0..23');
  if (p.timezone !== undefined && !isValidTimeZone(p.timezone)) throw invalidField('timezone', 'must be an IANA time zone name such as Europe/Berlin (Area/Location, or UTC)');
}

/**
 * Viewing-time configs behind a TTL/LRU cache: read from the database at most once
 * per TTL per profile, dropped at once when the config changes (through the bus). Heartbeats and
 * balance reads never depend on it for correctness: they read the day's row, which a change
 * rewrites, and a day computed from a cached config is version-checked in SQL before it is used
 * (today.ts).
 */
export class ConfigService {
  readonly #em: EntityManager;
  readonly #bus: InvalidationBus;
  readonly #clock: Clock;
  readonly #cache: CachedLoader<string, Settings>;
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

  /** A new kids profile's default settings, in the transaction that creates it (household's timezone). */
  createDefaults(em: EntityManager, profile: IProfile, timezone: string): void {
    em.create(ViewingTimeConfig, { profile, timezone, ...CONFIG_DEFAULTS });
  }

  async get(profileId: string): Promise<Settings> {
    const facts = await this.#cache.get(profileId, () => this.#read(this.#em, profileId));
    if (!facts) throw notFound('viewing-time config');
    return facts;
  }

  /** The settings as the database has them now (parent screens: a change made anywhere shows at once). */
  async fresh(profileId: string): Promise<Settings> {
    const epoch = this.#cache.epoch();
    const facts = await this.#read(this.#em, profileId, true);
    if (!facts) throw notFound('viewing-time config');
    this.#cache.fill(epoch, profileId, facts);
    return facts;
  }

  async #read(em: EntityManager, profileId: string, refresh = false): Promise<Settings | null> {
    this.dbReads++;
    const c = await em.findOne(ViewingTimeConfig, { profile: profileId }, { refresh });
    return c ? toSettings(profileId, c, await this.#overrides(em, profileId)) : null;
  }

  async #overrides(em: EntityManager, profileId: string): Promise<Overrides> {
    const from = addDays(this.#clock.now().toISOString().slice(0, 10), -2);
    const rows = await em.find(ViewingTimeOverride, { profile: profileId, date: { $gte: from } }, { orderBy: { date: 'asc' }, refresh: true });
    return Object.fromEntries(rows.map((o) => [typeof o.date === 'string' ? o.date : new Date(o.date).toISOString().slice(0, 10), o.windows ?? null]));
  }

  /**
   * What an adult profile's settings are: none apply, so both limits are null (unlimited), in the
   * household's timezone. The old parent page loads settings for every profile.
   */
  async unlimited(profileId: string): Promise<Settings> {
    const p = await this.#em.findOne(Profile, { id: profileId }, { populate: ['user'], fields: ['createdAt', 'user.timezone'] });
    if (!p) throw notFound('profile');
    return toSettings(profileId, {
      timezone: p.user.timezone, resetHour: CONFIG_DEFAULTS.resetHour, previousTimezone: null,
      previousResetHour: null, settingsEffectiveAt: null, educationalExempt: CONFIG_DEFAULTS.educationalExempt, allowedHours: NO_HOURS,
      educationalIgnoresHours: false, version: 0, updatedAt: p.createdAt,
    });
  }

  /** Any cached config, even past its TTL (a day computed from it is version-checked in SQL). */
  peekAny(profileId: string): Settings | undefined {
    return this.#cache.peekAllowStale(profileId)?.value;
  }

  /** Keeps settings a statement handed back (vt_config_json) and returns them. */
  learn(profileId: string, row: Record<string, unknown>): Settings {
    const facts = settingsFromRow(profileId, row);
    this.dbReads++;
    this.#cache.fill(this.#cache.epoch(), profileId, facts);
    return facts;
  }

  stats(): CacheStats {
    return this.#cache.stats();
  }

  /**
   * Partial update. Limits and allowed hours apply at once; a reset hour or timezone change from
   * the next day boundary. A stale expectedVersion is a 409.
   */
  async update(profileId: string, patch: ConfigPatch, expectedVersion?: number): Promise<Settings> {
    validate(patch);
    return this.#change(profileId, expectedVersion, (c, now) => {
      const next = withBoundaryChange(now, toSettings(profileId, c), { resetHour: patch.reset_hour, timezone: patch.timezone });
      c.resetHour = next.resetHour;
      c.timezone = next.timezone;
      c.previousResetHour = next.previous?.resetHour ?? null;
      c.previousTimezone = next.previous?.timezone ?? null;
      c.settingsEffectiveAt = next.effectiveFrom;
      for (const [day, limit] of Object.entries(limitsOf(patch)) as [Weekday, number | null][]) c[`${day}LimitMinutes`] = limit;
      if (patch.break_rule !== undefined) {
        c.breakAfterMinutes = patch.break_rule?.after_minutes ?? null;
        c.breakMinutes = patch.break_rule?.break_minutes ?? null;
      }
      if (patch.weekly_limit_minutes !== undefined) c.weeklyLimitMinutes = patch.weekly_limit_minutes;
      if (patch.bank !== undefined) {
        // turned on, it banks from the next viewing day, starting at 0; a new cap keeps it banking (a lower one trims it at once)
        if (patch.bank && !c.bankCapMinutes) c.bankFrom = addDays(spanAt(now, toSettings(profileId, c)).date, 1);
        c.bankCapMinutes = patch.bank?.cap_minutes ?? null;
        if (!patch.bank) c.bankFrom = null;
      }
      if (patch.finish_grace_minutes !== undefined) c.finishGraceMinutes = patch.finish_grace_minutes;
      if (patch.educational_exempt !== undefined) c.educationalExempt = patch.educational_exempt;
      if (patch.educational_ignores_hours !== undefined) c.educationalIgnoresHours = patch.educational_ignores_hours;
      if (patch.allowed_hours !== undefined) {
        const hours = { ...hoursOf(c.allowedHours), ...patch.allowed_hours };
        // windows are checked against the reset hour the coming days run on
        checkWindows(hours.weekdays, c.resetHour, 'allowed_hours.weekdays');
        checkWindows(hours.weekends, c.resetHour, 'allowed_hours.weekends');
        c.allowedHours = hours;
      }
    });
  }

  /**
   * One viewing day's own windows ([] none, null no restriction), from today to 30 days ahead in
   * the profile's timezone; applies at once when the day is today.
   */
  async setOverride(profileId: string, date: string, windows: Window[] | null): Promise<Settings> {
    return this.#change(profileId, undefined, async (c, now, em) => {
      const settings = toSettings(profileId, c);
      this.#checkOverrideDate(date, now, settings);
      if (windows) checkWindows(windows, spanOf(date, settings).resetHour, 'windows');
      const existing = await em.findOne(ViewingTimeOverride, { profile: profileId, date });
      if (existing) {
        existing.windows = windows;
        existing.updatedAt = now;
      } else {
        em.create(ViewingTimeOverride, { profile: profileId, date, windows, updatedAt: now });
      }
    });
  }

  /** Back to the day's usual windows; deleting an override that does not exist is fine. */
  async deleteOverride(profileId: string, date: string): Promise<void> {
    await this.#change(profileId, undefined, async (c, now, em) => {
      this.#checkOverrideDate(date, now, toSettings(profileId, c), false);
      await em.nativeDelete(ViewingTimeOverride, { profile: profileId, date });
    });
  }

  #checkOverrideDate(date: string, now: Date, settings: Boundaries, strict = true): void {
    if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw invalidField('date', 'must be a date (YYYY-MM-DD)');
    if (!strict) return;
    const today = spanAt(now, settings).date;
    if (date < today) throw invalidField('date', `is in the past: the profile's viewing day is ${today}`);
    if (date > addDays(today, OVERRIDE_DAYS_AHEAD)) throw invalidField('date', `may be at most ${OVERRIDE_DAYS_AHEAD} days ahead (${addDays(today, OVERRIDE_DAYS_AHEAD)})`);
  }

  /**
   * A settings change under the config row's lock (vt_today_row takes it too): a new version, and
   * today's balance row gets today's new facts in the same transaction, so every process's next
   * heartbeat or balance read sees the change; caches everywhere drop the entry. The household's
   * live streams get `settings_changed`, written last in the same transaction.
   */
  async #change(profileId: string, expectedVersion: number | undefined, apply: (c: IViewingTimeConfig, now: Date, em: EntityManager) => void | Promise<void>): Promise<Settings> {
    const facts = await this.#em.transactional(async (em) => {
      const c = await em.findOne(ViewingTimeConfig, { profile: profileId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!c) throw notFound('viewing-time config');
      if (expectedVersion !== undefined && expectedVersion !== c.version) {
        throw conflict('version_conflict', `the settings changed since version ${expectedVersion}; reload them`, { current_version: c.version });
      }
      const now = this.#clock.now();
      await apply(c, now, em);
      c.version += 1;
      c.updatedAt = now;
      await em.flush();
      const facts = toSettings(profileId, c, await this.#overrides(em, profileId));
      await repo.rewriteToday(em, profileId, now, dayAt(facts, now));
      const owner = await em.findOneOrFail(Profile, { id: profileId }, { fields: ['user'] });
      await events.emit(em, [{ household: owner.user.id, profile: profileId, type: 'settings_changed', payload: { settings: configView(facts) } }]);
      return facts;
    });
    this.#bus.publish({ entity: 'config', id: profileId });
    return facts;
  }
}
