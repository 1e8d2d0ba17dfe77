import { z } from 'zod';
import type { AccountsService } from '../../domain/accounts/accounts-service.ts';
import type { Devices } from '../../domain/accounts/devices.ts';
import type { PinService } from '../../domain/parental-controls/pin-service.ts';
import { route } from '../route.ts';
import { pin, proof, tokenPair, uuid } from '../schemas.ts';

const deviceOut = z.object({
  id: z.uuid(), profile_id: z.uuid(), profile_name: z.string(), created_at: z.iso.datetime(), last_seen_at: z.iso.datetime().nullable(), expires_at: z.iso.datetime(),
});

/** Kids devices: a token scoped to one profile, the PIN to get the household login back, and signing devices out. */
export function deviceRoutes(accounts: AccountsService, pins: PinService, devices: Devices) {
  const tag = 'auth';
  return [
    // PUT is how the old service spelled it; both answer alike
    ...(['post', 'put'] as const).map((method) => route({
      method, path: '/auth/profiles/{profile_id}/select', tag, access: 'household', errors: [404, 409],
      summary: "Hand a device to a child: a token limited to this kids profile's heartbeats, balance and eligibility, naming a device a parent can sign out (GET /auth/devices)",
      params: z.object({ profile_id: uuid }),
      response: z.object({ access_token: z.string(), token_type: z.literal('bearer'), profile_id: z.uuid(), device_id: z.uuid(), expires_in: z.int() }),
      handler: ({ principal, params }) => accounts.selectProfile(principal.userId, params.profile_id),
    })),
    route({
      method: 'post', path: '/auth/unlock', tag, access: 'device', errors: [400, 423],
      summary: 'From a kids device, get the household login back with the parental PIN',
      body: z.strictObject({ pin }), response: tokenPair,
      handler: async ({ principal, body }) => {
        await pins.check(principal.userId, body.pin);
        return accounts.householdTokens(principal.userId);
      },
    }),
    route({
      method: 'get', path: '/auth/devices', tag, access: 'household',
      summary: "The household's kids devices still signed in: which profile, since when, last seen (to about a minute)",
      response: z.object({ items: z.array(deviceOut) }),
      handler: async ({ principal }) => ({ items: await devices.list(principal.userId) }),
    }),
    route({
      method: 'delete', path: '/auth/devices/{device_id}', tag, access: 'household', errors: [403, 404, 423],
      summary: 'Sign a kids device out (needs PIN proof in the body, or a PIN-verified login): its token gets 401 on every process and its live streams end within 2 s',
      params: z.object({ device_id: uuid }), body: z.strictObject(proof),
      handler: async ({ principal, params, body }) => {
        await pins.authorize(principal, body);
        await devices.revoke(principal.userId, params.device_id);
      },
    }),
    route({
      method: 'delete', path: '/auth/devices', tag, access: 'household', errors: [403, 423],
      summary: 'Sign every kids device of the household out (needs PIN proof); a PIN reset does this too',
      body: z.strictObject(proof), response: z.object({ signed_out: z.int() }),
      handler: async ({ principal, body }) => {
        await pins.authorize(principal, body);
        return { signed_out: (await devices.revoke(principal.userId, null)).length };
      },
    }),
  ];
}
