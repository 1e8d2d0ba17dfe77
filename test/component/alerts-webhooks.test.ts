// Webhooks (SPEC §3a "Parent alerts", §4): deliveries signed as the standardwebhooks package signs
// them, verified here by that package on local receivers; at least once with the same webhook-id;
// durable across a service restart; one slow receiver delays nobody else; private and rebinding
// targets refused; a retry horizon that ends in `failed`; a test delivery; Idempotency-Key.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { dropDatabase, ownDatabase } from '../cluster-harness.ts';
import { client, startTestService, TestClock, waitFor, type TestService } from '../harness.ts';
import { beat, household, type Api } from './viewing-time.fixtures.ts';

const PIN = '2580';
const START = '2026-11-25T15:00:00Z'; // a Wednesday, 16:00 in Berlin

interface Delivery { id: string; timestamp: string; type: string; body: Record<string, unknown>; at: number; verified: boolean }

/** A webhook receiver: verifies each delivery with the secret it is given, answers as `answer` says. */
async function receiver(answer: (n: number) => number | Promise<number> = () => 200) {
  const got: Delivery[] = [];
  let secret = '';
  let n = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', async () => {
      let verified = false;
      try {
        new Webhook(secret).verify(raw, req.headers as Record<string, string>);
        verified = true;
      } catch { /* recorded as unverified */ }
      got.push({ id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), type: JSON.parse(raw).type, body: JSON.parse(raw), at: Date.now(), verified });
      const status = await answer(++n);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    got, url: `http://127.0.0.1:${port}/hook`, port, server,
    set secret(s: string) { secret = s; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

interface Env { url: string; svc: TestService; api: Api; db: pg.Client; clock: TestClock }

async function environment(name: string, env: Record<string, string>): Promise<Env> {
  const url = await ownDatabase(name);
  const clock = new TestClock(START);
  const svc = await startTestService({ OUTBOUND_ALLOW_PRIVATE_TARGETS: 'true', ...env }, { clock, databaseUrl: url });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return { url, svc, api: client(svc.url), db, clock };
}

/** A test in an environment of its own, cleaned up after it. */
async function isolated(name: string, env: Record<string, string>, fn: (e: Env) => Promise<void>) {
  const e = await environment(name, env);
  try {
    await fn(e);
  } finally {
    await e.db.end();
    await e.svc.close();
    await dropDatabase(e.url);
  }
}

async function family(e: Env) {
  const h = await household(e.api, 'Europe/Berlin');
  expect((await e.api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: PIN } })).status).toBe(200);
  return h;
}

async function hook(e: Env, h: { token: string }, r: { url: string; secret: string }, events: string[], headers: Record<string, string> = {}) {
  const created = await e.api('POST', '/api/v1/parental-controls/webhooks', { token: h.token, headers, body: { url: r.url, events, pin: PIN } });
  expect(created.status).toBe(201);
  expect(created.body.secret).toMatch(/^whsec_/);
  r.secret = created.body.secret;
  return created.body;
}

const deliveriesOf = async (e: Env, webhookId: string) =>
  (await e.db.query(`select id, status, attempts, last_error from alert_deliveries where target_id = $1 order by created_at`, [webhookId])).rows;

let main: Env;
let title: string;

beforeAll(async () => {
  main = await environment('vtime_hooks', {});
  title = randomUUID();
  await main.db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at) values ($1, 'Hook Heroes', false, 45, 'G', now())`, [title]);
}, 60_000);
afterAll(async () => {
  await main?.db.end();
  await main?.svc.close();
  if (main) await dropDatabase(main.url);
});

describe('webhooks', () => {
  it('every event type arrives, signed (standardwebhooks verifies it), as {type, timestamp, data}; the list shows the last delivery', async () => {
    main.clock.set(START);
    const h = await family(main);
    expect((await main.api('PUT', '/api/v1/parental-controls/alerts', { token: h.token, body: { percent_used: 50, pin: PIN } })).status).toBe(200);
    expect((await main.api('PUT', `/api/v1/parental-controls/profiles/${h.kidId}/viewing-time`, { token: h.token,
      body: { daily_limits: { wednesday: 30 }, break_rule: { after_minutes: 15, break_minutes: 5 }, pin: PIN } })).status).toBe(200);
    const r = await receiver();
    try {
      const w = await hook(main, h, r, ['time_request.created', 'limit.reached', 'limit.percent_used', 'break.started', 'pause.changed']);
      const kid = (await main.api('POST', `/api/v1/auth/profiles/${h.kidId}/select`, { token: h.token })).body.access_token as string;
      expect((await main.api('POST', '/api/v1/viewing-time/requests', { token: kid, body: { profile_id: h.kidId, minutes: 15, message: 'please' } })).status).toBe(201);
      // 15 minutes: half the day's 30 (percent) and a break; then the rest after the break (limit reached)
      let session: string | undefined;
      for (let i = 0; i <= 30 + 10 + 31; i++) { // through the 5-minute break: its beats credit nothing
        if (i) main.clock.advance(30);
        session = (await beat(main.api, h.token, { profile_id: h.kidId, title_id: title, session_id: session })).body.session_id;
      }
      expect((await main.api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { minutes: 30, pin: PIN } })).status).toBe(200);
      const types = ['time_request.created', 'limit.percent_used', 'break.started', 'limit.reached', 'pause.changed'];
      await waitFor(() => types.every((t) => r.got.some((d) => d.type === t)), 'every event type at the receiver', 15_000, 100);
      expect(r.got.every((d) => d.verified)).toBe(true);
      const request = r.got.find((d) => d.type === 'time_request.created')!;
      expect(request.body).toMatchObject({ type: 'time_request.created', data: { profile_id: h.kidId, profile_name: 'Kid', action: 'created', request: { minutes: 15, message: 'please' } } });
      expect(r.got.find((d) => d.type === 'limit.percent_used')!.body).toMatchObject({ data: { percent: 50, allowance_minutes: 30 } });
      const listed = await waitFor(async () => {
        const items = (await main.api('GET', '/api/v1/parental-controls/webhooks', { token: h.token })).body.items;
        return items[0]?.last_delivery?.status === 'delivered' && items;
      }, 'the last delivery listed');
      expect(listed).toEqual([expect.objectContaining({ id: w.id, last_delivery: expect.objectContaining({ status: 'delivered', attempts: 1, last_error: null }) })]);
      expect(JSON.stringify(listed)).not.toContain('whsec_'); // the secret is shown once
    } finally {
      await r.close();
    }
  }, 60_000);

  it('a receiver that answers 500 three times, then 200: one accepted delivery, the same webhook-id every time, the first retry within 10 s', async () => {
    const h = await family(main);
    const r = await receiver((n) => (n <= 3 ? 500 : 200));
    try {
      const w = await hook(main, h, r, ['pause.changed']);
      expect((await main.api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { pin: PIN } })).status).toBe(200);
      await waitFor(() => r.got.length >= 4, 'four attempts', 40_000, 100).catch(async (err) => {
        console.log('attempts', r.got.map((d) => d.at), await deliveriesOf(main, w.id), (await main.db.query(`select retry_delay, retry_backoff, retry_delay_max, retry_limit from pgboss.queue where name = 'vtime-alerts'`)).rows,
          (await main.db.query(`select retry_count, retry_delay, retry_backoff, retry_delay_max, created_on, started_on, start_after from pgboss.job where name = 'vtime-alerts' order by created_on desc limit 1`)).rows, (await main.db.query(`select state, retry_count, start_after, output from pgboss.job where name = 'vtime-alerts' order by created_on desc limit 3`)).rows);
        throw err;
      });
      expect(new Set(r.got.map((d) => d.id)).size).toBe(1);
      expect(r.got[1].at - r.got[0].at).toBeLessThan(10_000);
      expect(new Set(r.got.map((d) => d.timestamp)).size).toBeGreaterThan(1); // each attempt signed at its own time
      const rows = await waitFor(async () => { const x = await deliveriesOf(main, w.id); return x[0]?.status === 'delivered' && x; }, 'the delivery recorded');
      expect(rows.map((x) => [x.status, x.attempts, x.last_error])).toEqual([['delivered', 4, null]]);
      await new Promise((res) => setTimeout(res, 1500));
      expect(r.got).toHaveLength(4); // exactly one accepted: no attempt after the 200
    } finally {
      await r.close();
    }
  }, 60_000);

  it('a slow receiver (10 s) does not delay another receiver: its delivery arrives within 2 s of the event', async () => {
    const h = await family(main);
    const slow = await receiver(() => new Promise((res) => setTimeout(() => res(200), 10_000)));
    const fast = await receiver();
    try {
      await hook(main, h, slow, ['pause.changed']);
      await hook(main, h, fast, ['pause.changed']);
      // a backlog for the slow one first, then the event both get
      for (let i = 0; i < 3; i++) expect((await main.api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { pin: PIN } })).status).toBe(200);
      await waitFor(() => fast.got.length >= 3, 'the fast receiver has the backlog', 10_000, 50);
      const sent = Date.now();
      expect((await main.api('DELETE', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { pin: PIN } })).status).toBe(204);
      const lifted = await waitFor(() => fast.got.find((d) => (d.body.data as { action?: string }).action === 'lifted'), 'the lift at the fast receiver', 5_000, 20);
      expect(lifted.at - sent).toBeLessThan(2_000);
    } finally {
      await fast.close();
      await slow.close();
    }
  }, 60_000);

  it('a test delivery arrives; the same POST with one Idempotency-Key writes nothing more', async () => {
    const h = await family(main);
    const r = await receiver();
    try {
      const w = await hook(main, h, r, ['limit.reached'], { 'idempotency-key': `create-${w0()}` });
      const key = `test-${w0()}`;
      const first = await main.api('POST', `/api/v1/parental-controls/webhooks/${w.id}/test`, { token: h.token, headers: { 'idempotency-key': key }, body: { pin: PIN } });
      expect(first.status).toBe(202);
      const again = await main.api('POST', `/api/v1/parental-controls/webhooks/${w.id}/test`, { token: h.token, headers: { 'idempotency-key': key }, body: {} });
      expect([again.status, again.body, again.headers.get('idempotency-replayed')]).toEqual([202, first.body, 'true']);
      await waitFor(() => r.got.length >= 1, 'the test delivery', 10_000, 50);
      expect(r.got[0]).toMatchObject({ type: 'webhook.test', verified: true, id: first.body.delivery_id });
      await new Promise((res) => setTimeout(res, 1000));
      expect(r.got).toHaveLength(1);
      expect(await deliveriesOf(main, w.id)).toHaveLength(1);
    } finally {
      await r.close();
    }
  }, 30_000);

  it('deleting a webhook needs PIN proof and leaves the others; another household\'s webhook is a 404', async () => {
    const h = await family(main);
    const other = await family(main);
    const r = await receiver();
    try {
      const w = await hook(main, h, r, ['pause.changed']);
      expect((await main.api('POST', '/api/v1/parental-controls/pin/lock', { token: h.token })).status).toBe(200);
      expect((await main.api('DELETE', `/api/v1/parental-controls/webhooks/${w.id}`, { token: h.token, body: {} })).status).toBe(403);
      expect((await main.api('DELETE', `/api/v1/parental-controls/webhooks/${w.id}`, { token: other.token, body: { pin: PIN } })).status).toBe(404);
      expect((await main.api('DELETE', `/api/v1/parental-controls/webhooks/${w.id}`, { token: h.token, body: { pin: PIN } })).status).toBe(204);
      expect((await main.api('GET', '/api/v1/parental-controls/webhooks', { token: h.token })).body.items).toEqual([]);
      const bad = await main.api('POST', '/api/v1/parental-controls/webhooks', { token: h.token, body: { url: r.url, events: ['nonsense'], pin: PIN } });
      expect([bad.status, bad.body.field]).toEqual([422, 'events[0]']);
    } finally {
      await r.close();
    }
  });
});

let counter = 0;
const w0 = () => `${Date.now()}-${++counter}`;

describe('webhook deliveries that must wait', () => {
  it('a receiver that is down while the service restarts gets its delivery afterwards', async () => {
    const e = await environment('vtime_hooks_restart', {});
    let svc = e.svc;
    try {
      const h = await family(e);
      const r = await receiver();
      const w = await hook(e, h, r, ['pause.changed']);
      await r.close(); // down
      expect((await e.api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { pin: PIN } })).status).toBe(200);
      await waitFor(async () => (await deliveriesOf(e, w.id))[0]?.attempts >= 1, 'a failed attempt', 10_000, 100);
      await svc.close();
      svc = await startTestService({ OUTBOUND_ALLOW_PRIVATE_TARGETS: 'true' }, { clock: e.clock, databaseUrl: e.url });
      const back = http.createServer((req, res) => { req.resume(); req.on('end', () => { r.got.push({ id: String(req.headers['webhook-id']), timestamp: '', type: '', body: {}, at: Date.now(), verified: true }); res.writeHead(200).end(); }); });
      await new Promise<void>((res) => back.listen(r.port, '127.0.0.1', res));
      try {
        await waitFor(() => r.got.length >= 1, 'the delivery after the restart', 40_000, 200);
        const rows = await waitFor(async () => { const x = await deliveriesOf(e, w.id); return x[0]?.status === 'delivered' && x; }, 'delivered');
        expect(rows).toHaveLength(1);
      } finally {
        back.closeAllConnections();
        await new Promise((res) => back.close(res));
      }
    } finally {
      await e.db.end();
      await svc.close();
      await dropDatabase(e.url);
    }
  }, 90_000);

  it('with ALERT_RETRY_HORIZON_HOURS set to seconds, a receiver that never accepts ends failed', () => isolated('vtime_hooks_horizon', { ALERT_RETRY_HORIZON_HOURS: String(6 / 3600) }, async (e) => {
    const h = await family(e);
    const r = await receiver(() => 503);
    try {
      const w = await hook(e, h, r, ['pause.changed']);
      expect((await e.api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { pin: PIN } })).status).toBe(200);
      const rows = await waitFor(async () => { const x = await deliveriesOf(e, w.id); return x[0]?.status === 'failed' && x; }, 'the delivery failed', 40_000, 200);
      expect(rows[0].last_error).toBe('http_503');
      expect(rows[0].attempts).toBeGreaterThanOrEqual(2);
      const listed = (await e.api('GET', '/api/v1/parental-controls/webhooks', { token: h.token })).body.items[0];
      expect(listed.last_delivery).toMatchObject({ status: 'failed', last_error: 'http_503' });
    } finally {
      await r.close();
    }
  }), 60_000);

  it('private, loopback and IPv4-mapped addresses are refused at creation; a name that resolves to one is refused at delivery (target_refused)', () => isolated('vtime_hooks_strict', { OUTBOUND_ALLOW_PRIVATE_TARGETS: 'false' }, async (e) => {
    const h = await family(e);
    for (const url of ['http://127.0.0.1:9/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://[::ffff:7f00:1]/x', 'ftp://example.com/x']) {
      const r = await e.api('POST', '/api/v1/parental-controls/webhooks', { token: h.token, body: { url, events: ['pause.changed'], pin: PIN } });
      expect([url, r.status, r.body.field]).toEqual([url, 422, 'url']);
    }
    // a name (not an address) passes creation; at delivery it resolves to loopback: refused, never connected
    const r = await receiver();
    try {
      const w = await hook(e, h, { url: `http://localhost:${r.port}/hook`, set secret(_s: string) {} } as never, ['pause.changed']);
      expect((await e.api('POST', `/api/v1/parental-controls/profiles/${h.kidId}/pause`, { token: h.token, body: { pin: PIN } })).status).toBe(200);
      const rows = await waitFor(async () => { const x = await deliveriesOf(e, w.id); return x[0]?.last_error && x; }, 'a refused attempt', 10_000, 100);
      expect(rows[0].last_error).toBe('target_refused');
      expect(r.got).toHaveLength(0);
    } finally {
      await r.close();
    }
  }), 60_000);
});
