import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.ts';

/**
 * A refresh token is stored only as its SHA-256; tokens rotated from one login share a family, and
 * the family is the login session that household access tokens name in their `fam` claim.
 */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    tokenHash: p.string().length(64).unique(),
    familyId: p.uuid().index(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    // the PIN-verified window of this login session: set on the family's live token by a correct
    // PIN verify, carried over by a refresh, gone with a revocation
    pinVerifiedUntil: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IRefreshToken = InferEntity<typeof RefreshToken>;
