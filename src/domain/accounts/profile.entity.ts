import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.ts';

export const Profile = defineEntity({
  name: 'Profile',
  tableName: 'profiles',
  checks: [{ name: 'profiles_parental_rating_check', expression: `parental_rating in ('G', 'PG', 'PG-13', 'R', 'NC-17')` }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    name: p.string().length(50),
    isKids: p.boolean(),
    parentalRating: p.string().length(5),
    avatarUrl: p.string().length(500).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IProfile = InferEntity<typeof Profile>;
