import { z } from 'zod';
import { DEVICE_TYPES } from '../../domain/viewing-time/session.entity.ts';
import { ENFORCEMENT, REASONS } from '../../domain/viewing-time/enforcement.ts';
import type { ViewingTimeService } from '../../domain/viewing-time/viewing-time-service.ts';
import { route } from '../route.ts';
import { uuid } from '../schemas.ts';

const minutesOrNull = z.number().nullable();
const instantOrNull = z.iso.datetime().nullable();
const reason = z.enum(REASONS);
const profileParams = z.object({ profile_id: uuid });

export function viewingTimeRoutes(vt: ViewingTimeService) {
  const tag = 'player';
  return [
    route({
      method: 'post', path: '/viewing-time/heartbeat', tag, access: 'player', errors: [404], unitOfWork: false,
      summary: 'Credit playback time (every 30 s while playing); answers whether playback may continue. Without session_id a session starts and the profile\'s previous one ends; a stale or ended session of the same device resumes as a new one (store the session_id that comes back).',
      body: z.strictObject({
        profile_id: uuid,
        session_id: uuid.nullable().optional(),
        title_id: uuid,
        device_id: z.string().trim().min(1).max(128),
        device_type: z.enum(DEVICE_TYPES).default('web'),
        is_paused: z.boolean().default(false),
        seq: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        position_seconds: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional()
          .describe("Where playback is in the title (seconds; past the title's length counts as its length): lets a finishing grace start"),
      }),
      response: z.object({
        session_id: z.uuid(), enforcement: z.enum(ENFORCEMENT), reason, remaining_minutes: minutesOrNull, remaining_seconds: z.int().nullable(), budget_remaining_minutes: minutesOrNull,
        used_minutes: z.number(), educational_minutes: z.number(), is_educational: z.boolean(), next_reset_at: instantOrNull, next_change_at: instantOrNull,
        paused_until: instantOrNull.describe('A parent\'s pause: its end (null: none, or until lifted; reason paused_by_parent says which)'),
        break_until: instantOrNull.describe('A break running: its end'),
      }),
      handler: ({ principal, body }) => vt.heartbeat(principal, body),
    }),
    route({
      method: 'get', path: '/viewing-time/fit/{profile_id}', tag, access: 'player', unitOfWork: false, errors: [404],
      summary: 'Will a title fit, from a position, before anything stops it (the budget, the week, a window, a break, a pause)? needed_minutes = its length − position_seconds; finish_grace: it fits only with the day\'s finishing grace',
      params: profileParams,
      query: z.strictObject({ title_id: uuid, position_seconds: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0) }),
      response: z.object({
        profile_id: z.uuid(), title_id: z.uuid(), fits: z.enum(['yes', 'partly', 'no']), available_minutes: minutesOrNull, needed_minutes: minutesOrNull,
        limited_by: z.enum(['budget', 'week', 'window', 'break', 'pause']).nullable(), finish_grace: z.boolean(),
      }),
      handler: ({ principal, params, query }) => vt.fit(principal, params.profile_id, query.title_id, query.position_seconds),
    }),
    route({
      method: 'get', path: '/viewing-time/balance/{profile_id}', summary: "Today's viewing-time balance of a profile", tag, access: 'player', unitOfWork: false,
      params: profileParams, errors: [404],
      response: z.object({
        profile_id: z.uuid(), date: z.iso.date().nullable(), is_child_profile: z.boolean(), has_limits: z.boolean(), limit_minutes: z.int().nullable(),
        used_minutes: z.number(), educational_minutes: z.number(), bonus_minutes: z.number(), is_unlimited_override: z.boolean(),
        remaining_minutes: minutesOrNull, remaining_seconds: z.int().nullable(), budget_remaining_minutes: minutesOrNull, next_reset_at: instantOrNull,
        warning_threshold_minutes: z.array(z.int()), reason, next_change_at: instantOrNull, allowed_now: z.boolean(),
        paused_until: instantOrNull.describe('A parent\'s pause: its end (null: none, or until lifted; reason paused_by_parent says which)'),
        break_until: instantOrNull.describe('A break running: its end'),
        bank_minutes: minutesOrNull.describe('The time bank still available today (null: an adult)'),
        week_remaining_minutes: minutesOrNull.describe("The week's term: weekly limit + the week's grants − counted this week (null: no weekly limit)"),
        overtime_minutes: z.number().describe('Watched today in finishing graces (counted towards nothing)'),
        unlimited_today: z.boolean().describe('An unlimited-today grant was given (is_unlimited_override says whether it lets the child watch now)'),
      }),
      handler: ({ principal, params }) => vt.balance(principal, params.profile_id),
    }),
    route({
      method: 'get', path: '/viewing-time/playback-eligible/{profile_id}', summary: 'May playback start now? (reason is a machine code)', tag, access: 'player', unitOfWork: false,
      params: profileParams, errors: [404],
      response: z.object({ eligible: z.boolean(), remaining_minutes: minutesOrNull, reason, next_reset_at: instantOrNull, next_change_at: instantOrNull }),
      handler: ({ principal, params }) => vt.eligibility(principal, params.profile_id),
    }),
    route({
      method: 'post', path: '/viewing-time/session/{session_id}/end', summary: 'End a session (idempotent; credits the time since the last heartbeat once)', tag, access: 'player',
      params: z.object({ session_id: uuid }), errors: [404],
      response: z.object({ session_id: z.uuid(), ended_at: z.iso.datetime(), end_reason: z.enum(['ended', 'superseded', 'stale']), total_seconds: z.int() }),
      handler: ({ principal, params }) => vt.endSession(principal, params.session_id),
    }),
  ];
}
