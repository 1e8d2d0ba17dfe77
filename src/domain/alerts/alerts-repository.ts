// Parent alerts' statements: rules, push subscriptions, webhooks, delivery records and the relay.
import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';
import { DEFAULT_RULES, type AlertEvent, type AlertRulesView } from './alert-routing.ts';

const RULES = 'select time_request, limit_reached, percent_used, break_started from alert_rules where user_id = $1';

export async function rules(em: EntityManager, userId: string): Promise<AlertRulesView> {
  return (await runNamed<AlertRulesView>(em, 'alert_rules', RULES, [userId]))[0] ?? DEFAULT_RULES;
}

const PUT_RULES = `insert into alert_rules (id, user_id, time_request, limit_reached, percent_used, break_started, updated_at)
  values (gen_random_uuid(), $1, $2, $3, $4, $5, $6)
  on conflict (user_id) do update set time_request = excluded.time_request, limit_reached = excluded.limit_reached,
    percent_used = excluded.percent_used, break_started = excluded.break_started, updated_at = excluded.updated_at
  returning time_request, limit_reached, percent_used, break_started`;

export async function putRules(em: EntityManager, userId: string, r: AlertRulesView, now: Date): Promise<AlertRulesView> {
  return (await runNamed<AlertRulesView>(em, 'alert_rules_put', PUT_RULES, [userId, r.time_request, r.limit_reached, r.percent_used, r.break_started, now]))[0];
}

// a subscription is unique by endpoint: subscribing again moves it to this login
const SUBSCRIBE = `insert into push_subscriptions as s (id, user_id, family, endpoint, p256dh, auth, created_at) values (gen_random_uuid(), $1, $2, $3, $4, $5, $6)
  on conflict (endpoint) do update set user_id = excluded.user_id, family = excluded.family, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at
  returning s.id`;

export async function subscribe(em: EntityManager, s: { userId: string; family: string; endpoint: string; p256dh: string; auth: string; now: Date }): Promise<string> {
  return (await runNamed<{ id: string }>(em, 'push_subscribe', SUBSCRIBE, [s.userId, s.family, s.endpoint, s.p256dh, s.auth, s.now]))[0].id;
}

export async function subscription(em: EntityManager, id: string): Promise<{ id: string; user_id: string; family: string; endpoint: string; p256dh: string; auth: string } | null> {
  return (await runNamed<{ id: string; user_id: string; family: string; endpoint: string; p256dh: string; auth: string }>(em, 'push_subscription',
    'select id, user_id, family, endpoint, p256dh, auth from push_subscriptions where id = $1', [id]))[0] ?? null;
}

export async function unsubscribe(em: EntityManager, id: string): Promise<void> {
  await runNamed(em, 'push_unsubscribe', 'delete from push_subscriptions where id = $1', [id]);
}

/** A login's subscriptions end with it (logout, revocation). */
export async function unsubscribeFamily(em: EntityManager, family: string): Promise<void> {
  await runNamed(em, 'push_unsubscribe_family', 'delete from push_subscriptions where family = $1', [family]);
}

/** Whether a login (refresh-token family) is still live: a subscription of a login that expired or was revoked gets nothing. */
export async function familyLive(em: EntityManager, family: string, now: Date): Promise<boolean> {
  return (await runNamed<{ live: boolean }>(em, 'family_live', `select exists (select 1 from refresh_tokens where family_id = $1 and revoked_at is null and expires_at > $2) as live`, [family, now]))[0].live;
}

export interface WebhookRow { id: string; url: string; events: string[]; created_at: Date; last_status: string | null; last_attempts: number; last_error: string | null; last_delivery_at: Date | null }

const WEBHOOK_COLUMNS = 'id, url, events, created_at, last_status, last_attempts, last_error, last_delivery_at';

export async function createWebhook(em: EntityManager, w: { userId: string; url: string; events: string[]; secret: string; now: Date }): Promise<WebhookRow> {
  return (await runNamed<WebhookRow>(em, 'webhook_create', `insert into webhooks (id, user_id, url, events, secret, created_at) values (gen_random_uuid(), $1, $2, $3, $4, $5)
    returning ${WEBHOOK_COLUMNS}`, [w.userId, w.url, w.events, w.secret, w.now]))[0];
}

export function webhooks(em: EntityManager, userId: string): Promise<WebhookRow[]> {
  return runNamed<WebhookRow>(em, 'webhook_list', `select ${WEBHOOK_COLUMNS} from webhooks where user_id = $1 order by created_at, id`, [userId]);
}

export async function webhook(em: EntityManager, id: string): Promise<(WebhookRow & { user_id: string; secret: string }) | null> {
  return (await runNamed<WebhookRow & { user_id: string; secret: string }>(em, 'webhook_get', `select ${WEBHOOK_COLUMNS}, user_id, secret from webhooks where id = $1`, [id]))[0] ?? null;
}

export async function deleteWebhook(em: EntityManager, id: string, userId: string): Promise<boolean> {
  return (await runNamed(em, 'webhook_delete', 'delete from webhooks where id = $1 and user_id = $2 returning id', [id, userId])).length > 0;
}

/** The relay's read: events after its place, with profile names, taking the relay's row lock (one relay at a time). */
export async function relayBatch(em: EntityManager, limit: number): Promise<{ cursor: string; events: AlertEvent[] }> {
  const [r] = await runNamed<{ cursor: string }>(em, 'alert_relay_lock', 'select last_event_id::text as cursor from alert_relay where id = 1 for update skip locked', []);
  if (!r) return { cursor: '', events: [] };
  const events = await runNamed<AlertEvent>(em, 'alert_relay_events', `select e.id::text, e.household_id, e.profile_id, p.name as profile_name, e.type, e.payload, e.created_at
      from events e left join profiles p on p.id = e.profile_id
     where e.id > $1::bigint and e.type in ('time_request', 'limit_reached', 'limit_percent_used', 'break_started', 'pause')
     order by e.id limit $2`, [r.cursor, limit]);
  return { cursor: r.cursor, events };
}

/** The households' rules, push subscriptions and webhooks, for a relay batch. */
export async function targetsOf(em: EntityManager, households: string[]) {
  const [row] = await runNamed<{ rules: (AlertRulesView & { user_id: string })[]; subs: { id: string; user_id: string }[]; hooks: { id: string; user_id: string; events: string[]; url: string }[] }>(em, 'alert_targets',
    `select (select coalesce(json_agg(r), '[]') from alert_rules r where r.user_id = any($1::uuid[])) as rules,
            (select coalesce(json_agg(json_build_object('id', s.id, 'user_id', s.user_id)), '[]') from push_subscriptions s where s.user_id = any($1::uuid[])) as subs,
            (select coalesce(json_agg(json_build_object('id', w.id, 'user_id', w.user_id, 'events', w.events, 'url', w.url)), '[]') from webhooks w where w.user_id = any($1::uuid[])) as hooks`, [households]);
  return row;
}

/**
 * The limit_reached events among these whose profile already had one pushed for the same viewing
 * day (the same next_reset_at): a parent hears "the allowance is spent" once a day, also when a
 * grant reopened it and it ran out again.
 */
export async function limitRepeats(em: EntityManager, eventIds: string[]): Promise<Set<string>> {
  if (!eventIds.length) return new Set();
  const rows = await runNamed<{ id: string }>(em, 'alert_limit_repeats', `select e.id::text from events e
     where e.id = any($1::bigint[]) and exists (
       select 1 from events p join alert_deliveries d on d.event_id = p.id and d.target_kind = 'push'
        where p.household_id = e.household_id and p.id < e.id and p.type = 'limit_reached' and p.profile_id = e.profile_id
          and p.payload->>'next_reset_at' = e.payload->>'next_reset_at')`, [eventIds]);
  return new Set(rows.map((r) => r.id));
}

export interface NewDelivery { id: string; eventId: string | null; kind: 'webhook' | 'push'; targetId: string; household: string; type: string; now: Date }

/** Delivery records, one per (event, target): the ones that are new (a re-run of the relay adds none). */
export async function addDeliveries(em: EntityManager, d: NewDelivery[]): Promise<string[]> {
  if (!d.length) return [];
  const rows = await runNamed<{ id: string }>(em, 'alert_deliveries_add', `insert into alert_deliveries (id, event_id, target_kind, target_id, household, type, status, attempts, created_at, updated_at)
      select x.id, x.event_id, x.kind, x.target, x.household, x.type, 'pending', 0, x.at, x.at
        from unnest($1::uuid[], $2::bigint[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::timestamptz[]) as x(id, event_id, kind, target, household, type, at)
      on conflict (event_id, target_kind, target_id) do nothing returning id`,
  [d.map((x) => x.id), d.map((x) => x.eventId), d.map((x) => x.kind), d.map((x) => x.targetId), d.map((x) => x.household), d.map((x) => x.type), d.map((x) => x.now)]);
  return rows.map((r) => r.id);
}

export async function advanceRelay(em: EntityManager, to: string, now: Date): Promise<void> {
  await runNamed(em, 'alert_relay_advance', 'update alert_relay set last_event_id = $1::bigint, updated_at = $2 where id = 1', [to, now]);
}

export async function delivery(em: EntityManager, id: string): Promise<{ status: string; attempts: number; created_at: Date } | null> {
  return (await runNamed<{ status: string; attempts: number; created_at: Date }>(em, 'alert_delivery', 'select status, attempts, created_at from alert_deliveries where id = $1', [id]))[0] ?? null;
}

/** An attempt's outcome on the delivery record and, for a webhook, on the webhook's last delivery. */
export async function recordAttempt(em: EntityManager, a: { id: string; status: 'pending' | 'delivered' | 'failed'; error: string | null; now: Date; webhookId: string | null }): Promise<void> {
  await runNamed(em, 'alert_attempt', `with d as (
      update alert_deliveries set attempts = attempts + 1, status = $2::text, last_error = $3::text, updated_at = $4::timestamptz,
             delivered_at = case when $2::text = 'delivered' then $4::timestamptz end
       where id = $1 returning attempts)
    update webhooks w set last_status = $2::text, last_attempts = d.attempts, last_error = $3::text, last_delivery_at = $4::timestamptz from d where w.id = $5::uuid`,
  [a.id, a.status, a.error, a.now, a.webhookId]);
}

/** Deliveries not finished: how many, and how long the oldest has waited (metrics). */
export async function pending(em: EntityManager, now: Date): Promise<{ depth: number; oldestSeconds: number }> {
  const [r] = await runNamed<{ depth: number; oldest: number | null }>(em, 'alert_pending',
    `select count(*)::int as depth, extract(epoch from $1::timestamptz - min(created_at))::float8 as oldest from alert_deliveries where status = 'pending'`, [now]);
  return { depth: r.depth, oldestSeconds: Math.max(0, r.oldest ?? 0) };
}
