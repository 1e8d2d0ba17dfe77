import { z } from 'zod';
import type { GrantsService } from '../../domain/parental-controls/grants-service.ts';
import type { PinService } from '../../domain/parental-controls/pin-service.ts';
import type { ReportsService } from '../../domain/parental-controls/reports-service.ts';
import type { SettingsService } from '../../domain/parental-controls/settings-service.ts';
import { route } from '../route.ts';
import { timezone, uuid } from '../schemas.ts';

export const pin = z.string().regex(/^\d{4}$/, 'must be exactly 4 digits');
const date = z.iso.date({ message: 'must be a date (YYYY-MM-DD)' });
const proof = { pin: pin.optional(), pin_token: z.string().min(1).max(2048).optional() };
const profileParams = z.object({ profile_id: uuid });
const limit = z.int().min(15).max(480).refine((v) => v % 15 === 0, 'must be a multiple of 15').nullable();
const configOut = z.object({
  profile_id: z.uuid(), weekday_limit_minutes: z.int().nullable(), weekend_limit_minutes: z.int().nullable(), reset_hour: z.int(),
  timezone: z.string(), educational_exempt: z.boolean(), version: z.int(), updated_at: z.iso.datetime(),
  pending_change: z.object({ effective_at: z.iso.datetime(), current_reset_hour: z.int(), current_timezone: z.string() }).nullable(),
});

export function parentalRoutes(d: { pins: PinService; settings: SettingsService; grants: GrantsService; reports: ReportsService }) {
  const tag = 'parental controls';
  const base = '/parental-controls/profiles/{profile_id}';
  return [
    route({
      method: 'get', path: '/parental-controls/pin/status', summary: 'Whether a PIN is set and whether checks are locked', tag, access: 'household',
      response: z.object({ has_pin: z.boolean(), locked_until: z.iso.datetime().nullable(), failed_attempts: z.int() }),
      handler: ({ principal }) => d.pins.status(principal.userId),
    }),
    route({
      method: 'post', path: '/parental-controls/pin', summary: 'Set the PIN, or change it with the current one', tag, access: 'household', status: 204, errors: [423],
      body: z.strictObject({ pin, current_pin: pin.optional() }),
      handler: async ({ principal, body }) => { await d.pins.set(principal.userId, body.pin, body.current_pin); },
    }),
    route({
      method: 'post', path: '/parental-controls/pin/verify', summary: 'Check the PIN; a correct one returns a 5-minute PIN token (answers take ≥ 200 ms)', tag, access: 'household', errors: [409, 423],
      body: z.strictObject({ pin }), response: z.object({ pin_token: z.string(), expires_in: z.int() }),
      handler: ({ principal, body }) => d.pins.verify(principal.userId, body.pin),
    }),
    route({
      method: 'post', path: '/parental-controls/pin/reset', summary: 'Forgotten PIN: set a new one with the account password (own attempt limit)', tag, access: 'household', status: 204, errors: [423],
      body: z.strictObject({ password: z.string().min(1).max(1024), new_pin: pin }),
      handler: async ({ principal, body }) => { await d.pins.reset(principal.userId, body.password, body.new_pin); },
    }),
    route({
      method: 'get', path: `${base}/viewing-time`, summary: "A kids profile's viewing-time settings", tag, access: 'household', errors: [404],
      params: profileParams, response: configOut,
      handler: ({ principal, params }) => d.settings.get(principal, params.profile_id),
    }),
    route({
      method: 'put', path: `${base}/viewing-time`, tag, access: 'household', errors: [404, 409, 423],
      summary: 'Change settings (partial; needs pin or pin_token; If-Match or version guards against lost updates). Limits apply at once, reset hour and timezone from the next day boundary.',
      params: profileParams, response: configOut,
      body: z.strictObject({
        weekday_limit_minutes: limit.optional(), weekend_limit_minutes: limit.optional(), reset_hour: z.int().min(0).max(23).optional(),
        timezone: timezone.optional(), educational_exempt: z.boolean().optional(), version: z.int().min(1).optional(), ...proof,
      }),
      handler: ({ principal, params, body, ctx }) => d.settings.update(principal, params.profile_id, body, ctx.get('if-match') || undefined),
    }),
    route({
      method: 'post', path: `${base}/viewing-time/grant`, summary: 'Grant extra time today: minutes (15..120) or null for unlimited today (needs pin or pin_token)', tag, access: 'household', status: 201, errors: [404, 423],
      params: profileParams,
      body: z.strictObject({ minutes: z.int().min(15).max(120).nullable(), device_id: z.string().min(1).max(128).optional(), ...proof }),
      response: z.object({ grant_id: z.uuid(), profile_id: z.uuid(), date: z.iso.date(), minutes: z.int().nullable(), unlimited_today: z.boolean(), bonus_minutes: z.number(), remaining_minutes: z.number().nullable(), expires_at: z.iso.datetime() }),
      handler: ({ principal, params, body }) => d.grants.grant(principal, params.profile_id, body),
    }),
    route({
      method: 'get', path: `${base}/viewing-time/grants`, summary: 'The grants ledger for a date range (default the last 30 days)', tag, access: 'household', errors: [404],
      params: profileParams, query: z.strictObject({ from: date.optional(), to: date.optional() }),
      response: z.object({ from: z.iso.date(), to: z.iso.date(), items: z.array(z.object({ id: z.uuid(), minutes: z.int().nullable(), unlimited: z.boolean(), date: z.iso.date(), granted_at: z.iso.datetime(), granted_by: z.string(), device_id: z.string().nullable() })) }),
      handler: ({ principal, params, query }) => d.grants.list(principal, params.profile_id, query),
    }),
    route({
      method: 'get', path: `${base}/history`, summary: 'Sessions by viewing day, newest first (default last 30 days, at most 90; paged by cursor)', tag, access: 'household', errors: [404],
      params: profileParams,
      query: z.strictObject({ from: date.optional(), to: date.optional(), cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      handler: ({ principal, params, query }) => d.reports.history(principal, params.profile_id, query),
    }),
    route({
      method: 'get', path: '/parental-controls/weekly-report', summary: 'The week of every kids profile (week_start defaults to this Monday)', tag, access: 'household',
      query: z.strictObject({ week_start: date.optional() }),
      handler: ({ principal, query }) => d.reports.weeklyReport(principal, query.week_start),
    }),
  ];
}
