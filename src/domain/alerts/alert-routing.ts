// Which event goes where (SPEC §3a "Parent alerts", §4): the live events that are alerts, their
// webhook event types, whether a household's alert rules push them, and what a delivery carries.
// Pure.

/** The webhook event types (SPEC §4). */
export const WEBHOOK_EVENT_TYPES = ['time_request.created', 'limit.reached', 'limit.percent_used', 'break.started', 'pause.changed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A household's alert rules (defaults: a time request and a limit reached on, no percentage, breaks off). */
export interface AlertRulesView {
  time_request: boolean;
  limit_reached: boolean;
  percent_used: number | null;
  break_started: boolean;
}
export const DEFAULT_RULES: AlertRulesView = { time_request: true, limit_reached: true, percent_used: null, break_started: false };

/** A live event row as the relay reads it, with its profile's name. */
export interface AlertEvent {
  id: string;
  household_id: string;
  profile_id: string | null;
  profile_name: string | null;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** The webhook type of a live event, or null when it is not an alert. */
export function webhookTypeOf(e: Pick<AlertEvent, 'type' | 'payload'>): WebhookEventType | null {
  switch (e.type) {
    case 'time_request': return (e.payload.action ?? (e.payload.request as { status?: string } | undefined)?.status) === 'created' ? 'time_request.created' : null;
    case 'limit_reached': return 'limit.reached';
    case 'limit_percent_used': return 'limit.percent_used';
    case 'break_started': return 'break.started';
    case 'pause': return 'pause.changed';
    default: return null;
  }
}

/** Whether the household's rules push this alert to the parents' devices (`pause.changed` goes to webhooks only). */
export function pushes(type: WebhookEventType, rules: AlertRulesView): boolean {
  switch (type) {
    case 'time_request.created': return rules.time_request;
    case 'limit.reached': return rules.limit_reached;
    case 'limit.percent_used': return rules.percent_used !== null;
    case 'break.started': return rules.break_started;
    default: return false;
  }
}

/** The Standard Webhooks body: {type, timestamp, data}. */
export function webhookBody(type: string, e: Pick<AlertEvent, 'profile_id' | 'profile_name' | 'payload' | 'created_at'>) {
  return { type, timestamp: new Date(e.created_at).toISOString(), data: { profile_id: e.profile_id, profile_name: e.profile_name, ...e.payload } };
}

const requestOf = (p: Record<string, unknown>) => (p.request ?? {}) as { id?: string; minutes?: number; message?: string | null };

/** What a push notification shows, and where a click on it leads (a time request opens the console on it). */
export function notification(type: WebhookEventType, e: Pick<AlertEvent, 'profile_id' | 'profile_name' | 'payload'>) {
  const name = e.profile_name ?? 'Your child';
  const p = e.payload;
  switch (type) {
    case 'time_request.created': {
      const r = requestOf(p);
      return { title: `${name} asks for ${r.minutes ?? 'more'} more minutes`, body: r.message ?? 'Open the console to answer.', url: `/console/#/requests/${r.id}`, tag: `request-${r.id}` };
    }
    case 'limit.reached': return { title: `${name} has used today's viewing time`, body: 'Playback is stopped until tomorrow, unless you give more time.', url: '/console/#/week', tag: `limit-${e.profile_id}` };
    case 'limit.percent_used': return { title: `${name} has used ${p.percent}% of today's time`, body: `${p.used_minutes} of ${p.allowance_minutes} minutes.`, url: '/console/#/week', tag: `percent-${e.profile_id}` };
    case 'break.started': return { title: `${name} is taking a break`, body: `Until ${p.break_until}.`, url: '/console/#/week', tag: `break-${e.profile_id}` };
    default: return { title: 'vtime', body: type, url: '/console/', tag: type };
  }
}
