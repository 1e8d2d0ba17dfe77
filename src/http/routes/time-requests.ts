import { z } from 'zod';
import { REQUEST_MINUTES, REQUEST_STATUSES } from '../../domain/parental-controls/time-request.entity.ts';
import type { TimeRequestsService } from '../../domain/parental-controls/time-requests-service.ts';
import { route } from '../route.ts';
import { date, proof, uuid } from '../schemas.ts';

const requestOut = z.object({
  id: z.uuid(), profile_id: z.uuid(), minutes: z.int(), message: z.string().nullable(), status: z.enum(REQUEST_STATUSES), date: z.iso.date(),
  created_at: z.iso.datetime(), expires_at: z.iso.datetime(), answered_at: z.iso.datetime().nullable(), minutes_granted: z.int().nullable(), unlimited: z.boolean(),
});
const listOut = z.object({ items: z.array(requestOut) });

export function timeRequestRoutes(requests: TimeRequestsService) {
  return [
    route({
      method: 'post', path: '/viewing-time/requests', idempotent: true, tag: 'player', access: 'device', status: 201, errors: [404, 409, 429],
      summary: 'Ask for more time today (kids device or household login): 15, 30 or 60 minutes, an optional message. One pending request per profile (409); 10 minutes after a denial and after 10 requests in a day: 429 with Retry-After. A pending request expires at the end of its viewing day.',
      body: z.strictObject({
        profile_id: uuid,
        minutes: z.int().refine((m) => (REQUEST_MINUTES as readonly number[]).includes(m), 'must be 15, 30 or 60'),
        message: z.string().trim().max(140, 'must be at most 140 characters').nullish(),
      }),
      response: requestOut,
      handler: ({ principal, body }) => requests.ask(principal, body),
    }),
    route({
      method: 'get', path: '/viewing-time/requests/{profile_id}', tag: 'player', access: 'device', errors: [404],
      summary: "The profile's time requests of its current viewing day, newest first",
      params: z.object({ profile_id: uuid }), response: listOut.extend({ profile_id: z.uuid() }),
      handler: ({ principal, params }) => requests.own(principal, params.profile_id),
    }),
    route({
      method: 'get', path: '/parental-controls/requests', tag: 'parental controls', access: 'household', errors: [404],
      summary: "The household's time requests: by default those of each profile's current viewing day; status filters (pending: every one waiting), date picks a past viewing day",
      query: z.strictObject({ status: z.enum(REQUEST_STATUSES).optional(), date: date.optional(), profile_id: uuid.optional() }),
      response: listOut,
      handler: ({ principal, query }) => requests.household(principal, query),
    }),
    route({
      method: 'post', path: '/parental-controls/requests/{request_id}/approve', idempotent: true, tag: 'parental controls', access: 'household', errors: [404, 409, 423],
      summary: 'Approve a pending request (needs PIN proof: pin, pin_token or a PIN-verified login): the minutes asked, other minutes (15..120) or null for unlimited today. Writes one grant linked to the request. Already answered or expired: 409.',
      params: z.object({ request_id: uuid }),
      body: z.strictObject({ minutes: z.int().min(15).max(120).nullable().optional(), ...proof }),
      response: z.object({
        request: requestOut,
        grant: z.object({
          grant_id: z.uuid(), granted_minutes: z.int().nullable(), remaining_minutes: z.number().nullable(), is_unlimited_override: z.boolean(),
          profile_id: z.uuid(), date: z.iso.date(), bonus_minutes: z.number(), expires_at: z.iso.datetime(),
        }),
      }),
      handler: ({ principal, params, body }) => requests.approve(principal, params.request_id, body),
    }),
    route({
      method: 'post', path: '/parental-controls/requests/{request_id}/deny', idempotent: true, tag: 'parental controls', access: 'household', errors: [404, 409, 423],
      summary: 'Deny a pending request (needs PIN proof); the child may ask again after 10 minutes. Already answered or expired: 409.',
      params: z.object({ request_id: uuid }), body: z.strictObject(proof),
      response: z.object({ request: requestOut }),
      handler: ({ principal, params, body }) => requests.deny(principal, params.request_id, body),
    }),
  ];
}
