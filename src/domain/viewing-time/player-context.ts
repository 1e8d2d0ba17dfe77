import type { EntityManager } from '@mikro-orm/core';
import type { IdentityService, ProfileFacts, UserFacts } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { TitleCache, TitleFacts } from '../catalog/title-cache.ts';
import { notFound } from '../shared/errors.ts';
import { configFromRow, type ConfigFacts, type ConfigService } from './config-service.ts';
import { runNamed } from '../shared/sql.ts';
import type { BalanceRow } from './viewing-time-repository.ts';

export interface PlayerFacts {
  user: UserFacts;
  profile: ProfileFacts;
  config: ConfigFacts | null;
  /** The cached config is past its TTL: the heartbeat statement re-checks it in the same round trip. */
  configStale: boolean;
  title: TitleFacts | null;
  /** Set when the combined query ran with a `balanceAt` instant: the balance row containing it, or null. */
  balance?: BalanceRow | null;
}

interface ColdRow extends Record<string, unknown> {
  user_id: string;
  is_active: boolean;
  is_admin: boolean;
  is_kids: boolean;
  has_config: boolean;
  title_educational: boolean | null;
  has_balance: boolean;
  used_seconds: number;
  educational_seconds: number;
  bonus_seconds: number;
  is_unlimited_override: boolean;
}

// Everything a player request needs about its caller, profile, config, title and (for balance
// reads) the balance of the day containing $3, in ONE round trip, run only when a cache misses:
// a cold heartbeat stays within 2 round trips and a balance read within 1.
const COLD = `select p.user_id, u.is_active, u.is_admin, p.is_kids, c.id is not null as has_config, c.timezone, c.reset_hour,
  c.weekday_limit_minutes, c.weekend_limit_minutes, c.previous_timezone, c.previous_reset_hour, c.settings_effective_at,
  c.educational_exempt, c.version, c.updated_at, t.is_educational as title_educational,
  b.id is not null as has_balance, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override
  from profiles p join users u on u.id = p.user_id
  left join viewing_time_configs c on c.profile_id = p.id
  left join titles t on t.id = $2
  left join viewing_time_balances b on b.profile_id = p.id and b.day_start <= $3 and b.day_end > $3
  where p.id = $1`;

/** Resolves a player request's facts from the caches, filling every miss with one combined query. */
export class PlayerContext {
  readonly #em: EntityManager;
  readonly #identity: IdentityService;
  readonly #configs: ConfigService;
  readonly #titles: TitleCache;

  constructor(d: { em: EntityManager; identity: IdentityService; configs: ConfigService; titles: TitleCache }) {
    this.#em = d.em;
    this.#identity = d.identity;
    this.#configs = d.configs;
    this.#titles = d.titles;
  }

  /** balanceAt: also read the balance of the day containing this instant (for balance reads). */
  async load(principal: Principal, profileId: string, titleId: string | null, balanceAt: Date | null = null): Promise<PlayerFacts> {
    let facts = this.#fromCaches(principal.userId, profileId, titleId);
    if (!facts || (balanceAt && facts.configStale)) facts = await this.#fromDatabase(principal.userId, profileId, titleId, balanceAt);
    this.#identity.checkActive(facts.user);
    this.#identity.checkOwnership(principal, facts.profile, profileId);
    if (titleId && !facts.title) throw notFound('title');
    return facts;
  }

  /** Keeps the config a heartbeat statement re-read (its TTL starts again). */
  refreshConfig(profileId: string, row: Record<string, unknown>, epoch: number): ConfigFacts {
    const facts = configFromRow(profileId, row);
    this.#configs.fill(epoch, facts);
    return facts;
  }

  configEpoch(): number {
    return this.#configs.epoch();
  }

  #fromCaches(userId: string, profileId: string, titleId: string | null): PlayerFacts | null {
    const user = this.#identity.users.peek(userId);
    const profile = user && this.#identity.profiles.peek(profileId);
    if (!user || !profile) return null;
    const cached = profile.isKids ? this.#configs.peek(profileId) : null;
    const title = titleId ? this.#titles.cache.peek(titleId) : null;
    if (cached === undefined || title === undefined) return null;
    return { user, profile, config: cached?.value ?? null, configStale: cached ? !cached.fresh : false, title };
  }

  async #fromDatabase(userId: string, profileId: string, titleId: string | null, balanceAt: Date | null): Promise<PlayerFacts> {
    const epochs = [this.#identity.users.epoch(), this.#identity.profiles.epoch(), this.#configs.epoch(), this.#titles.cache.epoch()];
    const [row] = await runNamed<ColdRow>(this.#em, 'vt_player_context', COLD, [profileId, titleId, balanceAt]);
    if (!row) throw notFound('profile');
    const profile: ProfileFacts = { id: profileId, userId: row.user_id, isKids: row.is_kids };
    const owner: UserFacts = { id: row.user_id, isActive: row.is_active, isAdmin: row.is_admin };
    this.#identity.profiles.fill(epochs[1], profileId, profile);
    this.#identity.users.fill(epochs[0], owner.id, owner);
    const config = row.has_config ? configFromRow(profileId, row) : null;
    if (config) this.#configs.fill(epochs[2], config);
    const title = titleId && row.title_educational !== null ? { id: titleId, isEducational: row.title_educational } : null;
    if (title) this.#titles.cache.fill(epochs[3], title.id, title);
    if (profile.isKids && !config) throw notFound('viewing-time config');
    // a caller from another account gets a 404 from the ownership check; their own facts are cached apart
    const user = owner.id === userId ? owner : ((await this.#identity.user(userId)) ?? owner);
    const balance = row.has_balance ? { used_seconds: row.used_seconds, educational_seconds: row.educational_seconds, bonus_seconds: row.bonus_seconds, is_unlimited_override: row.is_unlimited_override } : null;
    return { user, profile, config: profile.isKids ? config : null, configStale: false, title, ...(balanceAt ? { balance } : {}) };
  }
}
