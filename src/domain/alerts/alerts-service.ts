// Parent alerts, the parents' side (SPEC §4 "parent alerts"): the household's alert rules, Web Push
// subscriptions of its logins, and its webhooks (the secret shown once). Changes need PIN proof,
// except subscribing this login's own browser and removing a subscription of the login itself.
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError, invalidField, notFound } from '../shared/errors.ts';
import type { AlertQueue } from './alert-queue.ts';
import type { AlertRulesView } from './alert-routing.ts';
import * as repo from './alerts-repository.ts';
import { urlProblem, type OutboundPolicy } from './outbound.ts';

export type Proof = { pin?: string | null; pin_token?: string | null };
/** PIN proof (the parental-controls PinService's authorize, handed in by main.ts). */
export type Authorize = (principal: Principal, proof: Proof) => Promise<void>;

type Household = Extract<Principal, { scope: 'household' }>;

function householdOnly(p: Principal): asserts p is Household {
  if (p.scope !== 'household') throw new AppError('forbidden', 'profile_scoped_token', 'a kids device token cannot use this endpoint');
}

const webhookView = (w: repo.WebhookRow) => ({
  id: w.id, url: w.url, events: w.events, created_at: new Date(w.created_at).toISOString(),
  last_delivery: w.last_status === null ? null : {
    status: w.last_status, attempts: w.last_attempts, last_error: w.last_error, at: w.last_delivery_at ? new Date(w.last_delivery_at).toISOString() : null,
  },
});

export class AlertsService {
  readonly #d: { em: EntityManager; clock: Clock; authorize: Authorize; policy: OutboundPolicy; queue: AlertQueue; vapidPublicKey: string };

  constructor(d: { em: EntityManager; clock: Clock; authorize: Authorize; policy: OutboundPolicy; queue: AlertQueue; vapidPublicKey: string }) {
    this.#d = d;
  }

  rules(principal: Principal): Promise<AlertRulesView> {
    householdOnly(principal);
    return repo.rules(this.#d.em, principal.userId);
  }

  async putRules(principal: Principal, body: Partial<AlertRulesView> & Proof): Promise<AlertRulesView> {
    householdOnly(principal);
    const p = body.percent_used;
    if (p !== undefined && p !== null && (!Number.isInteger(p) || p < 50 || p > 95 || p % 5 !== 0)) throw invalidField('percent_used', 'must be null (off) or 50..95 in steps of 5');
    await this.#d.authorize(principal, body);
    const current = await repo.rules(this.#d.em, principal.userId);
    const next: AlertRulesView = {
      time_request: body.time_request ?? current.time_request, limit_reached: body.limit_reached ?? current.limit_reached,
      percent_used: p === undefined ? current.percent_used : p, break_started: body.break_started ?? current.break_started,
    };
    return repo.putRules(this.#d.em, principal.userId, next, this.#d.clock.now());
  }

  vapidPublicKey() {
    return { key: this.#d.vapidPublicKey };
  }

  /** This login's browser: no PIN proof (it only adds a device); the subscription lives as long as the login. */
  async subscribe(principal: Principal, body: { endpoint: string; keys: { p256dh: string; auth: string } }) {
    householdOnly(principal);
    if (!principal.familyId) throw new AppError('forbidden', 'login_required', 'subscribe from a signed-in login (its access token names the login)');
    const problem = urlProblem(body.endpoint, this.#d.policy);
    if (problem) throw invalidField('endpoint', problem);
    const id = await repo.subscribe(this.#d.em, { userId: principal.userId, family: principal.familyId, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth, now: this.#d.clock.now() });
    return { id };
  }

  /** The login that made it removes it freely; another login of the household needs PIN proof. */
  async unsubscribe(principal: Principal, id: string, proof: Proof): Promise<void> {
    householdOnly(principal);
    const s = await repo.subscription(this.#d.em, id);
    if (!s || s.user_id !== principal.userId) throw notFound('push subscription');
    if (s.family !== principal.familyId) await this.#d.authorize(principal, proof);
    await repo.unsubscribe(this.#d.em, id);
  }

  async createWebhook(principal: Principal, body: { url: string; events: string[] } & Proof) {
    householdOnly(principal);
    const problem = urlProblem(body.url, this.#d.policy);
    if (problem) throw invalidField('url', problem);
    await this.#d.authorize(principal, body);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const w = await repo.createWebhook(this.#d.em, { userId: principal.userId, url: body.url, events: [...new Set(body.events)], secret, now: this.#d.clock.now() });
    return { ...webhookView(w), secret }; // shown only here (and in an Idempotency-Key replay of this request)
  }

  async webhooks(principal: Principal) {
    householdOnly(principal);
    return { items: (await repo.webhooks(this.#d.em, principal.userId)).map(webhookView) };
  }

  async deleteWebhook(principal: Principal, id: string, proof: Proof): Promise<void> {
    householdOnly(principal);
    await this.#own(principal, id);
    await this.#d.authorize(principal, proof);
    await repo.deleteWebhook(this.#d.em, id, principal.userId);
  }

  async testWebhook(principal: Principal, id: string, proof: Proof) {
    householdOnly(principal);
    const w = await this.#own(principal, id);
    await this.#d.authorize(principal, proof);
    return { delivery_id: await this.#d.queue.test(this.#d.em, { id, household: principal.userId, url: w.url }) };
  }

  /** A login ended (logout, revocation): its push subscriptions go, once no token of it is live. */
  async loginEnded(family: string): Promise<void> {
    const em = this.#d.em.fork();
    if (!(await repo.familyLive(em, family, this.#d.clock.now()))) await repo.unsubscribeFamily(em, family);
  }

  async #own(principal: Principal, id: string) {
    const w = await repo.webhook(this.#d.em, id);
    if (!w || w.user_id !== principal.userId) throw notFound('webhook');
    return w;
  }
}
