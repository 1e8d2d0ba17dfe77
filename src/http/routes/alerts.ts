import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../domain/alerts/alert-routing.ts';
import type { AlertsService } from '../../domain/alerts/alerts-service.ts';
import { route } from '../route.ts';
import { proof, uuid } from '../schemas.ts';

const rulesOut = z.object({ time_request: z.boolean(), limit_reached: z.boolean(), percent_used: z.int().nullable(), break_started: z.boolean() });
const deliveryOut = z.object({ status: z.enum(['pending', 'delivered', 'failed']), attempts: z.int(), last_error: z.string().nullable(), at: z.iso.datetime().nullable() });
const webhookOut = z.object({
  id: z.uuid(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENT_TYPES)), created_at: z.iso.datetime(),
  last_delivery: deliveryOut.nullable().describe('The last delivery attempt: delivered, pending (being retried) or failed (retried until the horizon)'),
});
const tag = 'parent alerts';
const idParams = z.object({ id: uuid });

export function alertRoutes(alerts: AlertsService) {
  return [
    route({
      method: 'get', path: '/parental-controls/alerts', tag, access: 'household', summary: "The household's alert rules: what is pushed to the parents' devices",
      response: rulesOut, handler: ({ principal }) => alerts.rules(principal),
    }),
    route({
      method: 'put', path: '/parental-controls/alerts', tag, access: 'household', errors: [423],
      summary: 'Change the alert rules (partial; PIN proof): a time request, the allowance spent (limit_reached), percent_used (null, or 50..95 in steps of 5: once a day when counted minutes reach that share of the day\'s limit and grants), a break started',
      body: z.strictObject({ time_request: z.boolean().optional(), limit_reached: z.boolean().optional(), percent_used: z.int().nullable().optional(), break_started: z.boolean().optional(), ...proof }),
      response: rulesOut, handler: ({ principal, body }) => alerts.putRules(principal, body),
    }),
    route({
      method: 'get', path: '/push/vapid-public-key', tag, access: 'household', summary: "The service's VAPID public key (applicationServerKey for pushManager.subscribe)",
      response: z.object({ key: z.string() }), handler: () => Promise.resolve(alerts.vapidPublicKey()),
    }),
    route({
      method: 'post', path: '/push/subscriptions', idempotent: true, tag, access: 'household', status: 201,
      summary: "Notify this browser: a PushSubscription's endpoint and keys (no PIN proof: it only adds a device). It lives as long as this login; subscribing the same endpoint again moves it here",
      body: z.strictObject({ endpoint: z.string().min(1).max(2048), keys: z.strictObject({ p256dh: z.string().min(1).max(200), auth: z.string().min(1).max(100) }), expirationTime: z.number().nullish() }),
      response: z.object({ id: z.uuid() }), handler: ({ principal, body }) => alerts.subscribe(principal, body),
    }),
    route({
      method: 'delete', path: '/push/subscriptions/{id}', tag, access: 'household', errors: [404, 423], status: 204,
      summary: 'Stop notifying a browser: the login that subscribed it, or PIN proof', params: idParams,
      body: z.strictObject({ ...proof }).optional(), handler: async ({ principal, params, body }) => { await alerts.unsubscribe(principal, params.id, body ?? {}); },
    }),
    route({
      method: 'post', path: '/parental-controls/webhooks', idempotent: true, tag, access: 'household', status: 201, errors: [423],
      summary: 'Add a webhook (PIN proof): deliveries follow the Standard Webhooks specification, signed with the secret answered here only (whsec_…). https only in production; private and loopback targets are refused (target_refused)',
      body: z.strictObject({ url: z.string().min(1).max(2048), events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1), ...proof }),
      response: webhookOut.extend({ secret: z.string() }), handler: ({ principal, body }) => alerts.createWebhook(principal, body),
    }),
    route({
      method: 'get', path: '/parental-controls/webhooks', tag, access: 'household', summary: "The household's webhooks, each with its last delivery",
      response: z.object({ items: z.array(webhookOut) }), handler: ({ principal }) => alerts.webhooks(principal),
    }),
    route({
      method: 'delete', path: '/parental-controls/webhooks/{id}', tag, access: 'household', errors: [404, 423], status: 204,
      summary: 'Remove a webhook (PIN proof)', params: idParams, body: z.strictObject({ ...proof }).optional(),
      handler: async ({ principal, params, body }) => { await alerts.deleteWebhook(principal, params.id, body ?? {}); },
    }),
    route({
      method: 'post', path: '/parental-controls/webhooks/{id}/test', idempotent: true, tag, access: 'household', errors: [404, 423], status: 202,
      summary: 'Send a test delivery (type webhook.test) to a webhook (PIN proof); its outcome shows as the last delivery', params: idParams,
      body: z.strictObject({ ...proof }).optional(), response: z.object({ delivery_id: z.uuid() }),
      handler: ({ principal, params, body }) => alerts.testWebhook(principal, params.id, body ?? {}),
    }),
  ];
}
