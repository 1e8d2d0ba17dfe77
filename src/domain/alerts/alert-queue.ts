// Durable alert delivery (SPEC §3a "Parent alerts", §4): events become delivery jobs in a
// PostgreSQL-backed job queue (pg-boss), which every process works on.
//  - The relay: one per cluster at a time (the relay row's lock, taken with SKIP LOCKED), woken by
//    every new event and every second, turns each new alert event into one delivery record and one
//    job per target — keyed by (event id, target), so a re-run adds none — carrying its payload
//    (events are kept 24 h, deliveries longer), then moves its place on, in one transaction.
//  - The workers: ALERT_CONCURRENCY deliveries at once per process, at most 2 of them to one
//    receiver (a pg-boss group per webhook host, or per push subscription), so a slow receiver holds
//    2 slots however many alerts wait for it and delays nobody else's deliveries (nor a heartbeat:
//    they share no connection).
//    A failed attempt is retried by pg-boss with growing delays and jitter (the first within a few
//    seconds) until ALERT_RETRY_HORIZON_HOURS after the event; then the delivery is marked failed.
//    Every attempt of one delivery carries the same webhook-id (the delivery's id).
// Deliveries run on real time, not the service clock: a receiver checks webhook-timestamp against
// its own clock, and the retry horizon counts from the event row's commit time.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { PgBoss, type Job } from 'pg-boss';
import type { Logger } from 'pino';
import { Webhook as Signer } from 'standardwebhooks';
import webPush from 'web-push';
import { runText } from '../../db/statement.ts';
import { DEFAULT_RULES, notification, pushes, webhookBody, webhookTypeOf, type AlertRulesView } from './alert-routing.ts';
import * as repo from './alerts-repository.ts';
import { checkedLookup, checkLiteral, TARGET_REFUSED, TargetRefused, type OutboundPolicy } from './outbound.ts';

export const ALERT_QUEUE = 'vtime-alerts';
const RELAY_BATCH = 200;
const ATTEMPT_TIMEOUT_MS = 15_000;
// deliveries to one receiver a process makes at once (a webhook host, or one push subscription): a
// slow receiver holds at most this many of its slots, however many webhooks point at it
const PER_TARGET = 2;

/** A webhook's receiver: its URL's origin (many webhooks may point at one slow host). */
const receiverOf = (url: string) => { try { return new URL(url).origin; } catch { return url; } };

/** What a job carries: its delivery and everything the attempt needs but the target's secrets. */
export interface AlertJob {
  delivery: string;
  kind: 'webhook' | 'push';
  target: string;
  type: string;
  /** The webhook body, or the push notification. */
  payload: Record<string, unknown>;
  /** When the event happened: the retry horizon counts from it. */
  at: string;
}

export interface AlertQueueOptions {
  em: EntityManager;
  databaseUrl: string;
  log: Logger;
  policy: OutboundPolicy;
  vapid: { publicKey: string; privateKey: string; subject: string };
  horizonHours: number;
  concurrency: number;
  /** Whether this process relays and works (off in processes that only serve, e.g. some tests). */
  work?: boolean;
}

/** The delivery's target was deleted, or its push subscription or login ended: failed at once, never retried. */
const TARGET_GONE = 'target_gone';

/** An attempt that failed, and why (recorded as the delivery's last_error). */
class AttemptFailed extends Error {}

export class AlertQueue {
  readonly #o: AlertQueueOptions;
  readonly #boss: PgBoss;
  readonly #lookup: ReturnType<typeof checkedLookup>;
  readonly #agent: https.Agent;
  #relayTimer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | null = null;
  #again = false;
  #workerId: string | undefined;
  #stopped = false;
  /** For the metrics: attempts that delivered, deliveries that failed for good. */
  readonly stats = { delivered: 0, failed: 0 };

  constructor(o: AlertQueueOptions) {
    this.#o = o;
    this.#boss = new PgBoss({ connectionString: o.databaseUrl, max: 3, schema: 'pgboss', useListenNotify: true, application_name: 'vtime-alerts' });
    this.#boss.on('error', (err) => o.log.warn({ err: (err as Error).message }, 'alert queue error'));
    this.#lookup = checkedLookup(o.policy);
    this.#agent = new https.Agent({ lookup: this.#lookup as never, keepAlive: false });
  }

  async start(): Promise<void> {
    await this.#boss.start();
    await this.#boss.createQueue(ALERT_QUEUE, {
      // growing delays with jitter: the first retry 1–2 s after a failure, at most an hour apart; the horizon ends them (below)
      retryLimit: 10_000, retryDelay: 2, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 60, notify: true,
      retentionSeconds: Math.ceil(this.#o.horizonHours * 3600) + 3600, deleteAfterSeconds: 7 * 86_400,
    }).catch((err: Error) => { if (!/already exists/.test(err.message)) throw err; });
    if (this.#o.work === false) return;
    this.#workerId = await this.#boss.work<AlertJob>(ALERT_QUEUE, {
      localConcurrency: this.#o.concurrency, localGroupConcurrency: PER_TARGET, batchSize: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1,
    },
      (jobs) => this.#attempt(jobs[0]));
    this.#relayTimer = setInterval(() => this.wake(), 1000);
    this.#relayTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#relayTimer) clearInterval(this.#relayTimer);
    await this.#relaying?.catch(() => undefined);
    await this.#boss.stop({ graceful: true, timeout: 5000 }).catch(() => undefined);
    this.#agent.destroy();
  }

  /** A new event (NOTIFY) or the timer: relay what is new, once at a time, and once more if woken meanwhile. */
  wake(): void {
    if (this.#stopped || this.#o.work === false) return;
    if (this.#relaying) { this.#again = true; return; }
    this.#relaying = (async () => {
      do {
        this.#again = false;
        try {
          while (await this.#relayOnce() === RELAY_BATCH) { /* a full batch: more may wait */ }
        } catch (err) {
          this.#o.log.warn({ err: (err as Error).message }, 'alert relay failed; the next wake retries');
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => { this.#relaying = null; });
  }

  /** One relay batch in one transaction; the number of events it read (0: nothing new, or another process relays). */
  async #relayOnce(): Promise<number> {
    const em = this.#o.em.fork();
    const jobs: { id: string; data: AlertJob; group: string }[] = [];
    const read = await em.transactional(async (tx) => {
      const batch = await repo.relayBatch(tx, RELAY_BATCH);
      if (!batch.cursor || !batch.events.length) return 0;
      const now = new Date();
      const households = [...new Set(batch.events.map((e) => e.household_id))];
      const t = await repo.targetsOf(tx, households);
      const rulesOf = new Map(t.rules.map((r) => [r.user_id, r as AlertRulesView]));
      const deliveries: (repo.NewDelivery & { data: AlertJob; group: string })[] = [];
      // "the allowance is spent" is pushed once per profile and viewing day (its next_reset_at)
      const repeats = await repo.limitRepeats(tx, batch.events.filter((e) => e.type === 'limit_reached').map((e) => e.id));
      const pushedDays = new Set<string>();
      for (const e of batch.events) {
        const type = webhookTypeOf(e);
        if (!type) continue;
        for (const w of t.hooks.filter((h) => h.user_id === e.household_id && h.events.includes(type))) {
          const id = randomUUID();
          deliveries.push({ id, eventId: e.id, kind: 'webhook', targetId: w.id, household: e.household_id, type, now, group: receiverOf(w.url),
            data: { delivery: id, kind: 'webhook', target: w.id, type, payload: webhookBody(type, e), at: new Date(e.created_at).toISOString() } });
        }
        const rules = rulesOf.get(e.household_id) ?? DEFAULT_RULES;
        if (!pushes(type, rules)) continue;
        if (type === 'limit.reached') {
          const day = `${e.profile_id} ${String(e.payload.next_reset_at)}`;
          if (repeats.has(e.id) || pushedDays.has(day)) continue;
          pushedDays.add(day);
        }
        for (const s of t.subs.filter((x) => x.user_id === e.household_id)) {
          const id = randomUUID();
          deliveries.push({ id, eventId: e.id, kind: 'push', targetId: s.id, household: e.household_id, type, now, group: s.id,
            data: { delivery: id, kind: 'push', target: s.id, type, payload: { ...notification(type, e), type, event_id: e.id, profile_id: e.profile_id }, at: new Date(e.created_at).toISOString() } });
        }
      }
      const fresh = new Set(await repo.addDeliveries(tx, deliveries));
      for (const d of deliveries) if (fresh.has(d.id)) jobs.push({ id: d.id, data: d.data, group: d.group });
      if (jobs.length) await this.#boss.insert(ALERT_QUEUE, jobs.map((j) => ({ id: j.id, data: j.data, group: { id: j.group } })), { db: dbOf(tx) });
      await repo.advanceRelay(tx, batch.events.at(-1)!.id, now);
      return batch.events.length;
    });
    if (jobs.length && this.#workerId) this.#boss.notifyWorker(this.#workerId); // this process's workers at once; the others by NOTIFY
    return read;
  }

  /** Enqueues a webhook's test delivery (no event behind it); its delivery id. */
  async test(em: EntityManager, w: { id: string; household: string; url: string }): Promise<string> {
    const now = new Date();
    const id = randomUUID();
    const payload = { type: 'webhook.test', timestamp: now.toISOString(), data: { webhook_id: w.id, message: 'A test delivery from vtime' } };
    await repo.addDeliveries(em, [{ id, eventId: null, kind: 'webhook', targetId: w.id, household: w.household, type: 'webhook.test', now }]);
    await this.#boss.insert(ALERT_QUEUE, [{ id, group: { id: receiverOf(w.url) }, data: { delivery: id, kind: 'webhook', target: w.id, type: 'webhook.test', payload, at: now.toISOString() } satisfies AlertJob }], { db: dbOf(em) });
    return id;
  }

  /** Deliveries not finished yet (metrics). */
  pending(): Promise<{ depth: number; oldestSeconds: number }> {
    return repo.pending(this.#o.em.fork(), new Date());
  }

  /** One attempt of a job; throws to have pg-boss retry it later. */
  async #attempt(job: Job<AlertJob>): Promise<void> {
    const d = job.data;
    const em = this.#o.em.fork();
    const record = await repo.delivery(em, d.delivery);
    if (!record || record.status !== 'pending') return; // gone (its target deleted) or settled
    const now = new Date();
    const expired = now.getTime() - Date.parse(d.at) > this.#o.horizonHours * 3_600_000;
    let error: string | null = null;
    try {
      if (d.kind === 'webhook') await this.#webhook(em, d);
      else await this.#push(em, d);
    } catch (err) {
      error = err instanceof TargetRefused ? TARGET_REFUSED : err instanceof AttemptFailed ? err.message : `error: ${(err as Error).message}`;
      if ((err as { code?: string }).code === 'ETARGETREFUSED') error = TARGET_REFUSED;
    }
    if (error === TARGET_GONE) {
      await repo.recordAttempt(em, { id: d.delivery, status: 'failed', error, now, webhookId: null });
      return;
    }
    const status = error === null ? 'delivered' : expired ? 'failed' : 'pending';
    await repo.recordAttempt(em, { id: d.delivery, status, error, now: new Date(), webhookId: d.kind === 'webhook' ? d.target : null });
    if (status === 'delivered') this.stats.delivered++;
    if (status === 'failed') {
      this.stats.failed++;
      this.#o.log.warn({ delivery: d.delivery, kind: d.kind, type: d.type, error }, 'alert delivery failed for good (retry horizon passed)');
    }
    if (status === 'pending') throw new Error(error!); // pg-boss retries it, later each time
  }

  async #webhook(em: EntityManager, d: AlertJob): Promise<void> {
    const w = await repo.webhook(em, d.target);
    if (!w) throw new AttemptFailed(TARGET_GONE);
    const url = new URL(w.url);
    checkLiteral(url, this.#o.policy);
    const body = JSON.stringify(d.payload);
    const at = new Date();
    const headers = {
      'content-type': 'application/json', 'user-agent': 'vtime-webhooks/1',
      'webhook-id': d.delivery, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Signer(w.secret).sign(d.delivery, at, body),
    };
    const status = await new Promise<number>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, lookup: this.#lookup as never, timeout: ATTEMPT_TIMEOUT_MS, agent: false }, (res) => {
        res.resume(); // the answer's body is not read; redirects are not followed
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new AttemptFailed('timeout')));
      req.on('error', reject);
      req.end(body);
    });
    if (status < 200 || status >= 300) throw new AttemptFailed(`http_${status}`);
  }

  async #push(em: EntityManager, d: AlertJob): Promise<void> {
    const s = await repo.subscription(em, d.target);
    if (!s) throw new AttemptFailed(TARGET_GONE);
    if (!(await repo.familyLive(em, s.family, new Date()))) { // its login ended: so does the subscription
      await repo.unsubscribe(em, s.id);
      throw new AttemptFailed(TARGET_GONE);
    }
    checkLiteral(new URL(s.endpoint), this.#o.policy);
    try {
      await webPush.sendNotification({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, JSON.stringify(d.payload), {
        vapidDetails: this.#o.vapid, TTL: 3600, timeout: ATTEMPT_TIMEOUT_MS, agent: this.#agent, urgency: 'high',
      });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404 || code === 410) { // the push service forgot it: so do we
        await repo.unsubscribe(em, s.id);
        throw new AttemptFailed(TARGET_GONE);
      }
      if ((err as { code?: string }).code === 'ETARGETREFUSED') throw new TargetRefused(s.endpoint);
      throw new AttemptFailed(code ? `http_${code}` : `error: ${(err as Error).message}`);
    }
  }
}

/** pg-boss's db adapter over the caller's statements: inside its transaction, its inserts commit with the caller's. */
const dbOf = (em: EntityManager) => ({ executeSql: async (text: string, values?: unknown[]) => ({ rows: await runText(em, text, values ?? []) }) });

