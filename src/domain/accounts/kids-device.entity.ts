import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Profile } from './profile.entity.ts';
import { User } from './user.entity.ts';

/**
 * A kids device: the profile-scoped token handed to it names this row (`dev`), so a parent can list
 * the household's devices and sign one or all out. last_seen_at is written from the
 * service processes' memory about once a minute, never on the heartbeat's own path.
 */
export const KidsDevice = defineEntity({
  name: 'KidsDevice',
  tableName: 'kids_devices',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    profile: () => p.manyToOne(Profile).deleteRule('cascade').index(),
    createdAt: p.datetime(),
    lastSeenAt: p.datetime().nullable(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
  },
});
export type IKidsDevice = InferEntity<typeof KidsDevice>;
