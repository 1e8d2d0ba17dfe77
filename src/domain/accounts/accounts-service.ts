import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { CpuWork } from '../shared/cpu-work.ts';
import { AppError, conflict, notFound, unauthorized } from '../shared/errors.ts';
import { CONFIG_DEFAULTS, ViewingTimeConfig } from '../viewing-time/config.entity.ts';
import { Profile, type IProfile } from './profile.entity.ts';
import { RefreshToken } from './refresh-token.entity.ts';
import { hashRefreshToken, newRefreshToken, type Principal, type TokenService } from './tokens.ts';
import { User, type IUser } from './user.entity.ts';

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
}

const badCredentials = () => unauthorized('incorrect email or password', 'invalid_credentials');

/** Registration, login, refresh-token rotation and profiles of a household. */
export class AccountsService {
  readonly #d: AccountsDeps;
  #dummyHash: Promise<string> | null = null;

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

  async login(email: string, password: string): Promise<TokenPair> {
    const user = await this.#d.em.findOne(User, { email: email.toLowerCase() }, { fields: ['id', 'passwordHash', 'isActive'] });
    // an unknown email still costs one bcrypt verify, so timing does not reveal which accounts exist
    const ok = await this.#d.cpu.verify(password, user?.passwordHash ?? await this.#dummy());
    if (!user || !ok) throw badCredentials();
    if (!user.isActive) throw unauthorized('this account is disabled', 'account_disabled');
    return this.#issue(user.id, null);
  }

  /** Rotates: the presented token is revoked and a new one of the same family issued. */
  async refresh(token: string): Promise<TokenPair> {
    const em = this.#d.em;
    const hash = hashRefreshToken(token);
    const now = new Date();
    const rotated = await em.nativeUpdate(RefreshToken, { tokenHash: hash, revokedAt: null, expiresAt: { $gt: now } }, { revokedAt: now });
    const row = await em.findOne(RefreshToken, { tokenHash: hash }, { fields: ['user', 'familyId', 'revokedAt', 'pinVerifiedUntil'] });
    if (!row) throw unauthorized('invalid refresh token', 'invalid_token');
    if (rotated === 0) {
      // reuse of a revoked token: someone else may hold the family, so the whole family is revoked
      await em.nativeUpdate(RefreshToken, { familyId: row.familyId, revokedAt: null }, { revokedAt: now });
      throw unauthorized('refresh token reused or expired; please log in again', 'token_reused');
    }
    const user = await em.findOne(User, { id: row.user.id }, { fields: ['isActive'] });
    if (!user?.isActive) throw unauthorized('this account is disabled', 'account_disabled');
    return this.#issue(row.user.id, row.familyId, row.pinVerifiedUntil ?? null);
  }

  async logout(token: string): Promise<void> {
    const em = this.#d.em;
    const row = await em.findOne(RefreshToken, { tokenHash: hashRefreshToken(token) }, { fields: ['familyId'] });
    if (row) await em.nativeUpdate(RefreshToken, { familyId: row.familyId, revokedAt: null }, { revokedAt: new Date() });
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
      if (input.is_kids) em.create(ViewingTimeConfig, { profile, timezone: user.timezone, ...CONFIG_DEFAULTS });
      await em.flush();
      return profile;
    });
  }

  /** A kids device gets a token limited to one profile's player endpoints (no refresh token). */
  async selectProfile(userId: string, profileId: string) {
    const p = await this.#d.em.findOne(Profile, { id: profileId, user: userId }, { fields: ['isKids'] });
    if (!p) throw notFound('profile');
    if (!p.isKids) throw conflict('not_a_kids_profile', 'only kids profiles can be selected for a device; use the household login');
    const token = await this.#d.tokens.accessToken({ userId, scope: 'profile', profileId });
    return { access_token: token, token_type: 'bearer' as const, profile_id: profileId, expires_in: this.#d.tokens.deviceTtlSeconds };
  }

  /** Back to the household login from a kids device (the caller proved the PIN): a new, unverified login session. */
  householdTokens(userId: string): Promise<TokenPair> {
    return this.#issue(userId, null);
  }

  /** A new login session (family) unless one is given; a rotation carries the session's PIN window over. */
  async #issue(userId: string, family: string | null, pinVerifiedUntil: Date | null = null): Promise<TokenPair> {
    const { token, hash } = newRefreshToken();
    const expiresAt = new Date(Date.now() + this.#d.refreshTtlDays * 86_400_000);
    const em = this.#d.em;
    const familyId = family ?? crypto.randomUUID();
    em.create(RefreshToken, { user: userId, tokenHash: hash, familyId, expiresAt, pinVerifiedUntil });
    await em.flush();
    const access = await this.#d.tokens.accessToken({ userId, scope: 'household', familyId });
    return { access_token: access, refresh_token: token, token_type: 'bearer' };
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#d.cpu.hash('not-a-real-password', this.#d.bcryptCost);
    return this.#dummyHash;
  }
}

export function assertHousehold(p: Principal): void {
  if (p.scope !== 'household') throw new AppError('forbidden', 'profile_scoped_token', 'this device is limited to one profile');
}
