import { z } from 'zod';
import type { AccountsService } from '../../domain/accounts/accounts-service.ts';
import type { PinService } from '../../domain/parental-controls/pin-service.ts';
import { route } from '../route.ts';
import { tokenPair, uuid } from '../schemas.ts';
import { pin } from './parental-controls.ts';

/** Kids devices: a token scoped to one profile, and the PIN to get the household login back. */
export function deviceRoutes(accounts: AccountsService, pins: PinService) {
  const tag = 'auth';
  return [
    // PUT is how the old service spelled it; both answer alike
    ...(['post', 'put'] as const).map((method) => route({
      method, path: '/auth/profiles/{profile_id}/select', tag, access: 'household', errors: [404, 409],
      summary: "Hand a device to a child: a token limited to this kids profile's heartbeats, balance and eligibility",
      params: z.object({ profile_id: uuid }),
      response: z.object({ access_token: z.string(), token_type: z.literal('bearer'), profile_id: z.uuid(), expires_in: z.int() }),
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
  ];
}
