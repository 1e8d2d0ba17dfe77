import { z } from 'zod';
import type { GrantsService } from '../../domain/parental-controls/grants-service.ts';
import { PAUSE_MINUTES, type PauseService } from '../../domain/parental-controls/pause-service.ts';
import type { PinService } from '../../domain/parental-controls/pin-service.ts';
import type { ReportsService } from '../../domain/parental-controls/reports-service.ts';
import type { SettingsService } from '../../domain/parental-controls/settings-service.ts';
import { route } from '../route.ts';
import { date, detailOut, pin, proof, timezone, uuid } from '../schemas.ts';

const profileParams = z.object({ profile_id: uuid });
const limit = z.int().min(15).max(480).refine((v) => v % 15 === 0, 'must be a multiple of 15').nullable();
// a window of local time; the domain checks the grid, overlaps, the count and the reset hour (and names the field)
const window = z.strictObject({ from: z.string().max(5), to: z.string().max(5) });
const windows = z.array(window).max(10);
const windowsOut = z.array(z.object({ from: z.string(), to: z.string() }));
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const dailyLimitsOut = z.object(Object.fromEntries(DAYS.map((d) => [d, z.int().nullable()])) as Record<(typeof DAYS)[number], z.ZodNullable<z.ZodInt>>);
const dailyLimitsIn = z.strictObject(Object.fromEntries(DAYS.map((d) => [d, limit.optional()])) as Record<(typeof DAYS)[number], z.ZodOptional<typeof limit>>);
// the domain checks the ranges and names the field (break_rule.after_minutes)
const breakRuleIn = z.strictObject({ after_minutes: z.int(), break_minutes: z.int() }).nullable();
const bankIn = z.strictObject({ cap_minutes: z.int() }).nullable();
const pauseOut = z.object({ paused_at: z.iso.datetime(), paused_until: z.iso.datetime().nullable() });
const configOut = z.object({
  profile_id: z.uuid(), weekday_limit_minutes: z.int().nullable().describe("Monday's limit (the old apps' view of daily_limits)"),
  weekend_limit_minutes: z.int().nullable().describe("Saturday's limit (the old apps' view of daily_limits)"),
  daily_limits: dailyLimitsOut, daily_limits_differ: z.boolean().describe('Monday to Friday, or Saturday and Sunday, have different limits'),
  break_rule: z.object({ after_minutes: z.int(), break_minutes: z.int() }).nullable(),
  weekly_limit_minutes: z.int().nullable().describe('Counted minutes over the viewing week, Monday to Sunday (null: none)'),
  bank: z.object({ cap_minutes: z.int(), from_date: z.iso.date().describe('The first viewing day whose unused limit it banks') }).nullable()
    .describe("The time bank: a day's unused limit is saved, up to the cap, and spent once the day's limit and grants are used; emptied after Sunday"),
  finish_grace_minutes: z.int().describe('Minutes of grace to finish a title past a limit, with position_seconds (0: off)'),
  pause: pauseOut.nullable().describe("A parent's pause in force (paused_until null: until lifted)"),
  reset_hour: z.int(),
  timezone: z.string(), educational_exempt: z.boolean(), version: z.int(), updated_at: z.iso.datetime(),
  pending_change: z.object({ effective_at: z.iso.datetime(), current_reset_hour: z.int(), current_timezone: z.string() }).nullable(),
  allowed_hours: z.object({ weekdays: windowsOut, weekends: windowsOut }), educational_ignores_hours: z.boolean(),
  overrides: z.array(z.object({ date: z.iso.date(), windows: windowsOut.nullable() })),
});

const historyOut = z.object({
  profile_id: z.uuid(), from_date: z.iso.date(), to_date: z.iso.date(),
  days: z.array(z.object({
    date: z.iso.date(), total_minutes: z.number(), counted_minutes: z.number(), educational_minutes: z.number(),
    allowed_windows: z.array(z.object({ start: z.iso.datetime(), end: z.iso.datetime() })).nullable(),
    paused_minutes: z.number().describe('Time spent paused by a parent that day, whether or not anyone tried to watch'),
    break_minutes: z.number().describe('Time spent in breaks that day'),
    banked_minutes: z.number().describe("What the day saved in the time bank of its unused limit"),
    bank_spent_minutes: z.number().describe('What the day spent of the time bank'),
    overtime_minutes: z.number().describe('Watched in finishing graces (counted towards nothing)'),
    sessions: z.array(z.object({
      session_id: z.uuid(), title_id: z.uuid().nullable(), title_name: z.string(), device_type: z.string().nullable(), device_id: z.string(),
      is_educational: z.boolean(), started_at: z.iso.datetime(), ended_at: z.iso.datetime().nullable(), end_reason: z.string().nullable(), duration_minutes: z.number(),
    })),
  })),
  has_more: z.boolean(), next_cursor: z.string().nullable(),
});

const weeklyReportOut = z.object({
  week_start: z.iso.date(), week_end: z.iso.date(), generated_at: z.iso.datetime(), total_minutes: z.number(),
  profiles: z.array(z.object({
    profile_id: z.uuid(), profile_name: z.string(),
    daily_totals: z.array(z.object({
      date: z.iso.date(), minutes: z.number(), counted_minutes: z.number(), educational_minutes: z.number(), limit_minutes: z.int().nullable(),
      bonus_minutes: z.number(), unlimited: z.boolean(), refused_minutes: z.number(), paused_minutes: z.number(), break_minutes: z.number(),
      banked_minutes: z.number(), bank_spent_minutes: z.number(), overtime_minutes: z.number(),
    })),
    total_minutes: z.number(), counted_minutes: z.number(), educational_minutes: z.number(), days_elapsed: z.int(), average_daily_minutes: z.number(),
    limit_usage_percent: z.number().nullable(),
    bank_minutes: z.number().describe("The time bank at the week's end (emptied after Sunday)"), weekly_limit_minutes: z.int().nullable(),
    top_titles: z.array(z.object({ title_id: z.uuid().nullable(), title_name: z.string(), total_minutes: z.number() })),
    grants: z.array(z.object({ date: z.iso.date(), minutes: z.int().nullable(), unlimited: z.boolean(), granted_at: z.iso.datetime(), request_id: z.uuid().nullable() })),
    time_requests: z.array(z.object({
      id: z.uuid(), date: z.iso.date(), minutes: z.int(), message: z.string().nullable(), status: z.enum(['pending', 'approved', 'denied', 'expired']),
      minutes_granted: z.int().nullable(), unlimited: z.boolean(), created_at: z.iso.datetime(), answered_at: z.iso.datetime().nullable(),
    })),
  })),
});

const pauseIn = z.strictObject({
  minutes: z.int().min(PAUSE_MINUTES.min).max(PAUSE_MINUTES.max).nullish(),
  until: z.iso.datetime({ offset: true }).nullish(),
  ...proof,
});
const pausedOut = z.object({ profile_id: z.uuid(), paused_at: z.iso.datetime(), paused_until: z.iso.datetime().nullable() });
const PAUSE_HOW = `minutes (${PAUSE_MINUTES.min}..${PAUSE_MINUTES.max}), until (an instant at most ${PAUSE_MINUTES.max} minutes ahead) or neither (until lifted); both is a 422. Needs PIN proof. Heartbeats then answer blocked / paused_by_parent and credit nothing, and the balance shows 0 remaining and paused_until; a live event \`pause\` tells the kids devices.`;

export function parentalRoutes(d: { pins: PinService; settings: SettingsService; grants: GrantsService; reports: ReportsService; pauses: PauseService }) {
  const tag = 'parental controls';
  const base = '/parental-controls/profiles/{profile_id}';
  return [
    route({
      method: 'get', path: '/parental-controls/pin/status', summary: 'Whether a PIN is set and whether checks are locked', tag, access: 'household',
      response: z.object({ has_pin: z.boolean(), locked_until: z.iso.datetime().nullable(), failed_attempts: z.int() }),
      handler: ({ principal }) => d.pins.status(principal.userId),
    }),
    route({
      method: 'post', path: '/parental-controls/pin', summary: 'Set the first PIN (this login becomes PIN-verified), or change it with current_pin (every login\'s window closes)', tag, access: 'household', errors: [400, 423],
      body: z.strictObject({ new_pin: pin, current_pin: pin.nullish() }), response: detailOut,
      handler: ({ principal, body }) => d.pins.set(principal, body.new_pin, body.current_pin),
    }),
    route({
      method: 'post', path: '/parental-controls/pin/verify', tag, access: 'household', errors: [400, 423],
      summary: 'Check the PIN (answers take ≥ 200 ms). A correct one returns a 5-minute PIN token and keeps this login PIN-verified for 5 minutes; no PIN set: 400 "No PIN set"',
      body: z.strictObject({ pin }), response: z.object({ verified: z.literal(true), pin_token: z.string(), expires_in: z.int() }),
      handler: ({ principal, body }) => d.pins.verify(principal, body.pin),
    }),
    route({
      method: 'post', path: '/parental-controls/pin/lock', summary: "End this login's PIN-verified window now", tag, access: 'household',
      response: detailOut,
      handler: ({ principal }) => d.pins.lock(principal),
    }),
    route({
      method: 'post', path: '/parental-controls/pin/reset', summary: 'Forgotten PIN: set a new one with the account password (own attempt limit; every login\'s window closes)', tag, access: 'household', errors: [423],
      body: z.strictObject({ password: z.string().min(1).max(1024), new_pin: pin }), response: detailOut,
      handler: ({ principal, body }) => d.pins.reset(principal, body.password, body.new_pin),
    }),
    route({
      method: 'get', path: `${base}/viewing-time`, summary: "A kids profile's viewing-time settings", tag, access: 'household', errors: [404],
      params: profileParams, response: configOut,
      handler: ({ principal, params }) => d.settings.get(principal, params.profile_id),
    }),
    route({
      method: 'put', path: `${base}/viewing-time`, tag, access: 'household', errors: [404, 409, 423],
      summary: 'Change settings (partial; needs PIN proof: pin, pin_token or a PIN-verified login; If-Match or version guards against lost updates). Limits, the break rule and allowed hours apply at once, reset hour and timezone from the next day boundary. daily_limits may name some days only; weekday_limit_minutes sets Monday to Friday and weekend_limit_minutes Saturday and Sunday, so naming a day both ways is a 422. break_rule: after_minutes 15..180 in steps of 15, break_minutes 5..60 in steps of 5, or null. weekly_limit_minutes: 60..3360 in steps of 15, or null. bank: {cap_minutes: 15..240 in steps of 15} or null (it banks from the next viewing day; a lower cap trims it at once). finish_grace_minutes: 0..30. allowed_hours: up to 3 windows per list, local times on a 15-minute grid, a window past midnight lies in the night after; an empty list means any time.',
      params: profileParams, response: configOut,
      body: z.strictObject({
        weekday_limit_minutes: limit.optional(), weekend_limit_minutes: limit.optional(), daily_limits: dailyLimitsIn.optional(), break_rule: breakRuleIn.optional(),
        weekly_limit_minutes: z.int().nullable().optional(), bank: bankIn.optional(), finish_grace_minutes: z.int().optional(),
        pause: z.undefined({ error: 'a pause is not a setting: POST or DELETE /parental-controls/profiles/{profile_id}/pause' }).optional(),
        reset_hour: z.int().min(0).max(23).optional(),
        timezone: timezone.optional(), educational_exempt: z.boolean().optional(),
        allowed_hours: z.strictObject({ weekdays: windows.optional(), weekends: windows.optional() }).optional(),
        educational_ignores_hours: z.boolean().optional(), version: z.int().min(1).optional(), ...proof,
      }),
      handler: ({ principal, params, body, ctx }) => d.settings.update(principal, params.profile_id, body, ctx.get('if-match') || undefined),
    }),
    route({
      method: 'put', path: `${base}/viewing-time/overrides/{date}`, tag, access: 'household', errors: [404, 423],
      summary: 'One viewing day’s own allowed windows (date: the viewing day in the profile’s timezone, today to 30 days ahead): [] no viewing that day, null no restriction that day. Needs PIN proof; applies at once.',
      params: z.object({ profile_id: uuid, date }), response: configOut,
      body: z.strictObject({ windows: windows.nullable(), ...proof }),
      handler: ({ principal, params, body }) => d.settings.setOverride(principal, params.profile_id, params.date, body),
    }),
    route({
      method: 'delete', path: `${base}/viewing-time/overrides/{date}`, tag, access: 'household', errors: [404, 423],
      summary: 'Back to the day’s usual windows (204, also when there was no override). Needs PIN proof in the body ({pin} or {pin_token}, never the query string, where proxies log it) or a PIN-verified login.',
      params: z.object({ profile_id: uuid, date }), query: z.strictObject({}), body: z.strictObject(proof),
      handler: async ({ principal, params, body }) => { await d.settings.deleteOverride(principal, params.profile_id, params.date, body); },
    }),
    route({
      method: 'post', path: `${base}/viewing-time/grant`, idempotent: true, summary: 'Grant extra time today: minutes (15..120) or null for unlimited today (needs PIN proof: pin, pin_token or a PIN-verified login). Answers 200, as the old service did', tag, access: 'household', errors: [404, 423],
      params: profileParams,
      body: z.strictObject({ minutes: z.int().min(15).max(120).nullable(), device_id: z.string().min(1).max(128).nullish(), ...proof }),
      response: z.object({
        granted_minutes: z.int().nullable(), remaining_minutes: z.number().nullable(), is_unlimited_override: z.boolean(),
        grant_id: z.uuid(), profile_id: z.uuid(), date: z.iso.date(), bonus_minutes: z.number(), expires_at: z.iso.datetime(),
      }),
      handler: ({ principal, params, body }) => d.grants.grant(principal, params.profile_id, body),
    }),
    route({
      method: 'post', path: `${base}/pause`, idempotent: true, tag, access: 'household', errors: [404, 423], params: profileParams, body: pauseIn, response: pausedOut,
      summary: `Pause one kids profile now (a new pause replaces the current one): ${PAUSE_HOW}`,
      handler: async ({ principal, params, body }) => (await d.pauses.pause(principal, params.profile_id, body))[0],
    }),
    route({
      method: 'delete', path: `${base}/pause`, tag, access: 'household', errors: [404, 423],
      summary: 'Lift the pause of a kids profile (204, also when none runs). Needs PIN proof in the body or a PIN-verified login.',
      params: profileParams, query: z.strictObject({}), body: z.strictObject(proof),
      handler: async ({ principal, params, body }) => { await d.pauses.lift(principal, params.profile_id, body); },
    }),
    route({
      method: 'post', path: '/parental-controls/pause', idempotent: true, tag, access: 'household', errors: [423], body: pauseIn, response: z.object({ profiles: z.array(pausedOut) }),
      summary: `Pause everyone: every kids profile of the household now, each replacing its current pause: ${PAUSE_HOW}`,
      handler: async ({ principal, body }) => ({ profiles: await d.pauses.pause(principal, null, body) }),
    }),
    route({
      method: 'delete', path: '/parental-controls/pause', tag, access: 'household', errors: [423],
      summary: 'Lift the pause of every kids profile of the household, whoever set it (204). Needs PIN proof in the body or a PIN-verified login.',
      query: z.strictObject({}), body: z.strictObject(proof),
      handler: async ({ principal, body }) => { await d.pauses.lift(principal, null, body); },
    }),
    route({
      method: 'get', path: `${base}/viewing-time/grants`, summary: 'The grants ledger for a date range (default the last 30 days)', tag, access: 'household', errors: [404],
      params: profileParams, query: z.strictObject({ from_date: date.optional(), to_date: date.optional() }),
      response: z.object({ from_date: z.iso.date(), to_date: z.iso.date(), items: z.array(z.object({ id: z.uuid(), minutes: z.int().nullable(), unlimited: z.boolean(), date: z.iso.date(), granted_at: z.iso.datetime(), granted_by: z.string(), device_id: z.string().nullable(), request_id: z.uuid().nullable() })) }),
      handler: ({ principal, params, query }) => d.grants.list(principal, params.profile_id, query),
    }),
    route({
      method: 'get', path: `${base}/history`, tag, access: 'household', errors: [404],
      summary: 'Sessions by viewing day, newest first, from_date..to_date inclusive (default the last 30 days, at most 90); pages hold whole days (next_cursor)',
      params: profileParams,
      query: z.strictObject({ from_date: date.optional(), to_date: date.optional(), cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: historyOut,
      handler: ({ principal, params, query }) => d.reports.history(principal, params.profile_id, query),
    }),
    route({
      method: 'get', path: '/parental-controls/weekly-report', summary: 'The week of every kids profile (week_start defaults to the Monday of the household\'s current viewing week: before the reset hour on a Monday that is still last week)', tag, access: 'household',
      query: z.strictObject({ week_start: date.optional() }), response: weeklyReportOut,
      handler: ({ principal, query }) => d.reports.weeklyReport(principal, query.week_start),
    }),
  ];
}
