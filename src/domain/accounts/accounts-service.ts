import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { CpuWork } from '../shared/cpu-work.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import type { Devices } from './devices.ts';
import { AppError, conflict, notFound, unauthorized } from '../shared/errors.ts';
import { Profile, type IProfile } from './profile.entity.ts';
import { RefreshToken } from './refresh-token.entity.ts';
import * as throttle from './login-throttle-repository.ts';
import { hashRefreshToken, newRefreshToken, type TokenService } from './tokens.ts';
import { User, type IUser } from './user.entity.ts';

/** A rotated refresh token sent again within this gets the same successor (a lost answer, SPEC §6). */
export const REFRESH_GRACE_MS = 60_000;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
}

export interface AccountsDeps {
  em: EntityManager;
  cpu: CpuWork;
  tokens: TokenService;
  bcryptCost: number;
  refreshTtlDays: number;
  limits: throttle.LoginLimits;
  devices: Devices;
  bus: InvalidationBus;
  /** A kids profile was created in `em`'s transaction: its default viewing-time settings go in the same one (main.ts wires the viewing-time feature here). */
  kidsProfileCreated(em: EntityManager, profile: IProfile, timezone: string): void;
}

export interface LoginStats {
  /** Attempts the worker pool admitted (a busy refusal is not an attempt). */
  attempts: number;
  /** bcrypt checks actually run. */
  checks: number;
  /** Wrong passwords and unknown emails. */
  failures: number;
  /** Refused by the attempt limits, before bcrypt. */
  throttled: number;
}

const badCredentials = () => unauthorized('incorrect email or password', 'invalid_credentials');
const throttled = (until: Date, now: Date) => {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AppError('too_many', 'login_throttled', `too many failed logins; retry in ${seconds} s`, { retry_after: seconds });
};
// An unknown email is checked against this hash at the configured cost, so it costs what a real
// account costs (a fixed salt and digest: no password matches it)
const dummyHash = (cost: number) => `$2b$${String(cost).padStart(2, '0')}$V9oJb7zveg2f26T1LgpT1.tBvE6a9Rk9JFNWz/eyhD6olsohZEiDq`;

/** Registration, login, refresh-token rotation and profiles of a household. */
export class AccountsService {
  readonly #d: AccountsDeps;
  readonly stats: LoginStats = { attempts: 0, checks: 0, failures: 0, throttled: 0 };

  constructor(d: AccountsDeps) {
    this.#d = d;
  }

  async register(input: { email: string; password: string; timezone?: string }): Promise<TokenPair> {
    const em = this.#d.em;
    const passwordHash = await this.#d.cpu.hash(input.password, this.#d.bcryptCost);
    const user = em.create(User, { email: input.email.toLowerCase(), passwordHash, timezone: input.timezone ?? 'UTC' });
    try {
      await em.persist(user).flush();
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) throw conflict('email_taken', 'an account with this email already exists');
      throw e;
    }
    return this.#issue(user.id, null);
  }

  /**
   * Limited per account and per client address, counted before bcrypt runs; an unknown email takes
   * the same path (its own count, a bcrypt check), so neither answer nor timing tells it apart.
   */
  async login(email: string, password: string, address: string | null): Promise<TokenPair> {
    const cpu = this.#d.cpu.verifySlot(this.#d.bcryptCost); // busy: refused before anything is counted
    const keys = [throttle.accountKey(email), ...(address ? [throttle.addressKey(address)] : [])];
    const now = new Date();
    let user: { id: string; passwordHash: string; isActive: boolean } | null;
    try {
      this.stats.attempts++;
      const until = await throttle.reserve(this.#d.em, keys, now, this.#d.limits);
      if (until) {
        this.stats.throttled++;
        throw throttled(until, now);
      }
      user = await this.#d.em.findOne(User, { email: email.toLowerCase() }, { fields: ['id', 'passwordHash', 'isActive'] });
      this.stats.checks++;
      const ok = await cpu.verify(password, user?.passwordHash ?? dummyHash(this.#d.bcryptCost));
      if (!user || !ok) {
        this.stats.failures++;
        throw badCredentials();
      }
    } finally {
      cpu.release();
    }
    await throttle.succeeded(this.#d.em, keys, new Date());
    if (!user.isActive) throw unauthorized('this account is disabled', 'account_disabled');
    return this.#issue(user.id, null);
  }

  /**
   * Rotates: the presented token is revoked and its successor (derived from it) issued in the same
   * family, in one transaction. The token that rotated less than REFRESH_GRACE_MS ago, sent again
   * (its answer was lost: a failover, a dropped connection), gets that same successor and a new
   * access token, as long as the successor is the family's live token. Any other reuse revokes
   * the whole family.
   */
  async refresh(token: string): Promise<TokenPair> {
    const hash = hashRefreshToken(token);
    const now = new Date();
    const successor = this.#d.tokens.successorOf(token);
    const out = await this.#d.em.transactional(async (em) => {
      const rotated = await em.nativeUpdate(RefreshToken, { tokenHash: hash, revokedAt: null, expiresAt: { $gt: now } }, { revokedAt: now });
      const row = await em.findOne(RefreshToken, { tokenHash: hash }, { fields: ['user', 'familyId', 'revokedAt', 'pinVerifiedUntil'] });
      if (!row) throw unauthorized('invalid refresh token', 'invalid_token');
      if (rotated === 0) {
        const recent = row.revokedAt && now.getTime() - new Date(row.revokedAt).getTime() < REFRESH_GRACE_MS;
        const live = recent && await em.findOne(RefreshToken, { tokenHash: hashRefreshToken(successor), familyId: row.familyId, revokedAt: null, expiresAt: { $gt: now } }, { fields: ['id'] });
        if (live) return { kind: 'again' as const, userId: row.user.id, familyId: row.familyId };
        // reuse of a revoked token: someone else may hold the family, so the whole family is revoked
        await em.nativeUpdate(RefreshToken, { familyId: row.familyId, revokedAt: null }, { revokedAt: now });
        return { kind: 'reused' as const, familyId: row.familyId };
      }
      const user = await em.findOne(User, { id: row.user.id }, { fields: ['isActive'] });
      if (!user?.isActive) throw unauthorized('this account is disabled', 'account_disabled');
      em.create(RefreshToken, { user: row.user.id, tokenHash: hashRefreshToken(successor), familyId: row.familyId, expiresAt: this.#refreshExpiry(), pinVerifiedUntil: row.pinVerifiedUntil ?? null });
      await em.flush();
      return { kind: 'rotated' as const, userId: row.user.id, familyId: row.familyId };
    });
    if (out.kind === 'reused') {
      this.#d.bus.publish({ entity: 'login', id: out.familyId });
      throw unauthorized('refresh token reused or expired; please log in again', 'token_reused');
    }
    const access = await this.#d.tokens.accessToken({ userId: out.userId, scope: 'household', familyId: out.familyId });
    return { access_token: access, refresh_token: successor, token_type: 'bearer' };
  }

  async logout(token: string): Promise<void> {
    const em = this.#d.em;
    const row = await em.findOne(RefreshToken, { tokenHash: hashRefreshToken(token) }, { fields: ['familyId'] });
    if (!row) return;
    await em.nativeUpdate(RefreshToken, { familyId: row.familyId, revokedAt: null }, { revokedAt: new Date() });
    this.#d.bus.publish({ entity: 'login', id: row.familyId }); // its live streams end, on every process
  }

  async me(userId: string): Promise<IUser> {
    const user = await this.#d.em.findOne(User, { id: userId });
    if (!user) throw notFound('user');
    return user;
  }

  async listProfiles(userId: string): Promise<IProfile[]> {
    return this.#d.em.find(Profile, { user: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** A kids profile gets its default viewing-time config in the same transaction. */
  async createProfile(userId: string, input: { name: string; is_kids: boolean; parental_rating?: string; avatar_url?: string | null }): Promise<IProfile> {
    return this.#d.em.transactional(async (em) => {
      const user = await em.findOne(User, { id: userId }, { fields: ['timezone'] });
      if (!user) throw notFound('user');
      const profile = em.create(Profile, {
        user: userId, name: input.name, isKids: input.is_kids,
        parentalRating: input.parental_rating ?? (input.is_kids ? 'PG' : 'R'), avatarUrl: input.avatar_url ?? null,
      });
      if (input.is_kids) this.#d.kidsProfileCreated(em, profile, user.timezone);
      await em.flush();
      return profile;
    });
  }

  /**
   * A kids device gets a token limited to one profile's player endpoints (no refresh token), naming
   * a device row that a parent can sign out.
   */
  async selectProfile(userId: string, profileId: string) {
    const p = await this.#d.em.findOne(Profile, { id: profileId, user: userId }, { fields: ['isKids'] });
    if (!p) throw notFound('profile');
    if (!p.isKids) throw conflict('not_a_kids_profile', 'only kids profiles can be selected for a device; use the household login');
    const ttl = this.#d.tokens.deviceTtlSeconds;
    const deviceId = await this.#d.devices.register(userId, profileId, ttl);
    const token = await this.#d.tokens.accessToken({ userId, scope: 'profile', profileId, deviceId });
    return { access_token: token, token_type: 'bearer' as const, profile_id: profileId, device_id: deviceId, expires_in: ttl };
  }

  /** Back to the household login from a kids device (the caller proved the PIN): a new, unverified login session. */
  householdTokens(userId: string): Promise<TokenPair> {
    return this.#issue(userId, null);
  }

  #refreshExpiry(): Date {
    return new Date(Date.now() + this.#d.refreshTtlDays * 86_400_000);
  }

  /** A new login session (family) unless one is given; a rotation carries the session's PIN window over. */
  async #issue(userId: string, family: string | null, pinVerifiedUntil: Date | null = null): Promise<TokenPair> {
    const { token, hash } = newRefreshToken();
    const expiresAt = this.#refreshExpiry();
    const em = this.#d.em;
    const familyId = family ?? crypto.randomUUID();
    em.create(RefreshToken, { user: userId, tokenHash: hash, familyId, expiresAt, pinVerifiedUntil });
    await em.flush();
    const access = await this.#d.tokens.accessToken({ userId, scope: 'household', familyId });
    return { access_token: access, refresh_token: token, token_type: 'bearer' };
  }
}
