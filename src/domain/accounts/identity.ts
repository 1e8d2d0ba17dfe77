import type { EntityManager } from '@mikro-orm/core';
import { CachedLoader } from '../shared/cached-loader.ts';
import { AppError, notFound, unauthorized } from '../shared/errors.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import { Profile } from './profile.entity.ts';
import type { Principal } from './tokens.ts';
import { User } from './user.entity.ts';

export interface UserFacts {
  id: string;
  isActive: boolean;
  isAdmin: boolean;
}

export interface ProfileFacts {
  id: string;
  userId: string;
  isKids: boolean;
}

/**
 * Who a caller is and what they own, from bounded TTL caches invalidated through the bus, so
 * hot paths check ownership without a query.
 */
export class IdentityService {
  readonly #em: EntityManager;
  readonly users: CachedLoader<string, UserFacts>;
  readonly profiles: CachedLoader<string, ProfileFacts>;

  constructor(em: EntityManager, bus: InvalidationBus, opts: { max: number; ttlMs: number }) {
    this.#em = em;
    this.users = new CachedLoader(opts);
    this.profiles = new CachedLoader(opts);
    bus.subscribe((m) => {
      if (m.entity === 'user') this.users.invalidate(m.id);
      else if (m.entity === 'profile') this.profiles.invalidate(m.id);
      else if (m.entity === 'all') { this.users.clear(); this.profiles.clear(); }
    });
  }

  user(id: string): Promise<UserFacts | null> {
    return this.users.get(id, async () => {
      const u = await this.#em.findOne(User, { id }, { fields: ['isActive', 'isAdmin'] });
      return u ? { id, isActive: u.isActive, isAdmin: u.isAdmin } : null;
    });
  }

  profile(id: string): Promise<ProfileFacts | null> {
    return this.profiles.get(id, async () => {
      const p = await this.#em.findOne(Profile, { id }, { fields: ['user', 'isKids'] });
      return p ? { id, userId: p.user.id, isKids: p.isKids } : null;
    });
  }

  /** The signed-in user, refused when the account no longer exists or is disabled. */
  async activeUser(principal: Principal): Promise<UserFacts> {
    return this.checkActive(await this.user(principal.userId));
  }

  checkActive(u: UserFacts | null): UserFacts {
    if (!u || !u.isActive) throw unauthorized('this account is disabled or no longer exists', 'account_disabled');
    return u;
  }

  /** A profile of the caller's household; another account's profile is a 404, never its data. */
  async ownedProfile(principal: Principal, profileId: string): Promise<ProfileFacts> {
    return this.checkOwnership(principal, await this.profile(profileId), profileId);
  }

  /** A kids device's token names one profile: any other is a 403. */
  checkScope(principal: Principal, profileId: string | undefined): void {
    if (principal.scope === 'profile' && principal.profileId !== profileId) {
      throw new AppError('forbidden', 'profile_scoped_token', 'this device is limited to another profile');
    }
  }

  checkOwnership(principal: Principal, p: ProfileFacts | null, profileId = p?.id): ProfileFacts {
    this.checkScope(principal, profileId);
    if (!p || p.userId !== principal.userId) throw notFound('profile');
    return p;
  }
}
