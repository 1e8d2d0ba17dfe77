import type { BlockList } from 'node:net';
import { z } from 'zod';
import type { AccountsService } from '../../domain/accounts/accounts-service.ts';
import type { IProfile } from '../../domain/accounts/profile.entity.ts';
import { clientAddress } from '../client-address.ts';
import { route } from '../route.ts';
import { ageRating, email, password, profileOut, timezone, tokenPair } from '../schemas.ts';

const profileView = (p: IProfile) => ({
  id: p.id, name: p.name, avatar_url: p.avatarUrl ?? null, parental_rating: p.parentalRating, is_kids: p.isKids, created_at: p.createdAt.toISOString(),
});
const avatarUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500);

export function authRoutes(accounts: AccountsService, trustedProxies: BlockList) {
  const tag = 'auth';
  return [
    route({
      method: 'post', path: '/auth/register', summary: 'Create a household account', tag, access: 'public', status: 201,
      body: z.strictObject({ email, password, timezone: timezone.optional() }), response: tokenPair, errors: [409],
      handler: ({ body }) => accounts.register(body),
    }),
    route({
      method: 'post', path: '/auth/login', summary: 'Log in with email and password (attempts limited per account and per client address: 429 with Retry-After)', tag, access: 'public',
      body: z.strictObject({ email, password: z.string().min(1).max(1024) }), response: tokenPair, errors: [429],
      handler: ({ body, ctx }) => accounts.login(body.email, body.password, clientAddress(ctx, trustedProxies)),
    }),
    route({
      method: 'post', path: '/auth/refresh', summary: 'Rotate a refresh token (reuse revokes its family)', tag, access: 'public',
      body: z.strictObject({ refresh_token: z.string().min(1).max(512) }), response: tokenPair,
      handler: ({ body }) => accounts.refresh(body.refresh_token),
    }),
    route({
      method: 'post', path: '/auth/logout', summary: 'Revoke a refresh token and its family', tag, access: 'public', status: 204,
      body: z.strictObject({ refresh_token: z.string().min(1).max(512) }),
      handler: async ({ body }) => { await accounts.logout(body.refresh_token); },
    }),
    route({
      method: 'get', path: '/auth/me', summary: 'The signed-in account', tag, access: 'household',
      response: z.object({ id: z.uuid(), email: z.string(), subscription_tier: z.string(), is_admin: z.boolean(), timezone: z.string(), has_pin: z.boolean(), created_at: z.iso.datetime() }),
      handler: async ({ principal }) => {
        const u = await accounts.me(principal.userId);
        return { id: u.id, email: u.email, subscription_tier: u.subscriptionTier, is_admin: u.isAdmin, timezone: u.timezone, has_pin: u.pinHash !== null, created_at: u.createdAt.toISOString() };
      },
    }),
    route({
      method: 'get', path: '/auth/profiles', summary: "The household's profiles", tag, access: 'household',
      response: z.array(profileOut),
      handler: async ({ principal }) => (await accounts.listProfiles(principal.userId)).map(profileView),
    }),
    route({
      method: 'post', path: '/auth/profiles', summary: 'Create a profile (is_kids defaults to false; kids profiles get a default viewing-time config)', tag, access: 'household', status: 201,
      body: z.strictObject({
        name: z.string().trim().min(1).max(50), is_kids: z.boolean().default(false), avatar_url: avatarUrl.nullish(), parental_rating: ageRating.nullish().transform((v) => v ?? undefined),
      }),
      response: profileOut,
      handler: async ({ principal, body }) => profileView(await accounts.createProfile(principal.userId, body)),
    }),
  ];
}
