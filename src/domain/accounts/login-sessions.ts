import type { EntityManager } from '@mikro-orm/core';
import { RefreshToken } from './refresh-token.entity.ts';

/**
 * The PIN-verified window of a login session. A login session is a refresh-token
 * family; its window lives on the family's live token, so a rotation carries it over and a
 * revocation (logout, reuse) ends it with the family.
 */
export class LoginSessions {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  async isPinVerified(userId: string, familyId: string, now: Date): Promise<boolean> {
    return (await this.#em.count(RefreshToken, { user: userId, familyId, revokedAt: null, pinVerifiedUntil: { $gt: now } })) > 0;
  }

  async openPinWindow(userId: string, familyId: string, until: Date): Promise<void> {
    await this.#em.nativeUpdate(RefreshToken, { user: userId, familyId, revokedAt: null }, { pinVerifiedUntil: until });
  }

  /** A PIN change, reset or lock ends the window of every login of the household. */
  async closeAllPinWindows(userId: string): Promise<void> {
    await this.#em.nativeUpdate(RefreshToken, { user: userId, pinVerifiedUntil: { $ne: null } }, { pinVerifiedUntil: null });
  }
}
