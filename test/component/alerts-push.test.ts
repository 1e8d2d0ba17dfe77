// Web Push and threshold alerts (SPEC §3a "Parent alerts") on a real 2-process cluster:
//  - a subscription pointing at an HTTPS push receiver of this test's own (a test CA given to the
//    service as NODE_EXTRA_CA_CERTS: web-push always uses TLS) receives the time-request
//    notification; the payload decrypts (RFC 8291, aes128gcm) to the request, and the request
//    carries a VAPID Authorization whose JWT verifies with the service's public key; a subscription
//    the push service answers 410 is dropped;
//  - limit.percent_used fires once per profile, viewing day and threshold, under the shared test
//    clock, whichever process credits the beat that crosses it.
import { createECDH, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import pg from 'pg';
import { dropDatabase, ownDatabase, request, startCluster, type RunningCluster } from '../cluster-harness.ts';
import { TestClock, uniqueEmail, waitFor } from '../harness.ts';

const PIN = '3690';
const START = '2026-11-25T15:00:00Z'; // a Wednesday, 16:00 in Berlin
let cluster: RunningCluster;
let db: pg.Client;
let clock: TestClock;
let dir: string;
const title = randomUUID();
const api = (method: string, p: string, opts: { token?: string; body?: unknown } = {}) => request(cluster.url, method, `/api/v1${p}`, opts);

/** A CA and a certificate for 127.0.0.1 signed by it (openssl). */
function certificates(d: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=vtime test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'push.key', '-out', 'push.csr', '-subj', '/CN=127.0.0.1');
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > ext.cnf'], { cwd: d });
  run('x509', '-req', '-in', 'push.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'push.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: path.join(d, 'ca.pem'), key: readFileSync(path.join(d, 'push.key')), cert: readFileSync(path.join(d, 'push.pem')) };
}

interface Push { path: string; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** The push service: records each message, answers 201 (or what `status` says for a path). */
async function pushService(tls: { key: Buffer; cert: Buffer }, status: (p: string) => number) {
  const got: Push[] = [];
  const server = https.createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status(req.url ?? '')).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { got, base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** A browser's subscription keys: its P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
}

/** RFC 8291 / RFC 8188 (aes128gcm), one record: what the browser does with a push message. */
function decrypt(body: Buffer, ua: { ecdh: ReturnType<typeof createECDH>; auth: Buffer }): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  const shared = ua.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, ua.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end > 0 && plain[end] === 0) end--; // padding, then the delimiter 0x02 of the last record
  expect(plain[end]).toBe(2);
  return plain.subarray(0, end).toString('utf8');
}

async function household() {
  const email = uniqueEmail('alerts');
  const reg = await api('POST', '/auth/register', { body: { email, password: 'push alerts household', timezone: 'Europe/Berlin' } });
  const token = reg.body.access_token as string;
  const kid = (await api('POST', '/auth/profiles', { token, body: { name: 'Ida', is_kids: true } })).body.id as string;
  expect((await api('POST', '/parental-controls/pin', { token, body: { new_pin: PIN } })).status).toBe(200);
  return { token, kid, email };
}

let tls: ReturnType<typeof certificates>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vtime-push-'));
  tls = certificates(dir);
  const url = await ownDatabase('vtime_push');
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at) values ($1, 'Push Pals', false, 40, 'G', now())`, [title]);
  clock = new TestClock(START, path.join(dir, 'now'));
  cluster = await startCluster(url, { TEST_CLOCK_FILE: clock.file!, NODE_EXTRA_CA_CERTS: tls.ca, OUTBOUND_ALLOW_PRIVATE_TARGETS: 'true', DATA_DIR: dir });
}, 60_000);

afterAll(async () => {
  if (cluster && cluster.child.exitCode === null) await cluster.stop('SIGKILL');
  await db?.end();
  if (cluster) await dropDatabase(cluster.dbUrl);
});

describe('Web Push', () => {
  it('a time request reaches the parent\'s browser: encrypted to its keys (RFC 8291), with a VAPID Authorization the service\'s key verifies; a subscription answered 410 is dropped', async () => {
    const push = await pushService(tls, (p) => (p.startsWith('/gone') ? 410 : 201));
    try {
      const h = await household();
      const browser = browserKeys();
      const sub = await api('POST', '/push/subscriptions', { token: h.token, body: { endpoint: `${push.base}/send/${randomUUID()}`, keys: browser.keys } });
      expect(sub.status).toBe(201);
      const gone = await api('POST', '/push/subscriptions', { token: h.token, body: { endpoint: `${push.base}/gone/${randomUUID()}`, keys: browserKeys().keys } });
      expect(gone.status).toBe(201);
      const kid = (await api('POST', `/auth/profiles/${h.kid}/select`, { token: h.token })).body.access_token as string;
      const asked = await api('POST', '/viewing-time/requests', { token: kid, body: { profile_id: h.kid, minutes: 30, message: 'the last episode' } });
      expect(asked.status).toBe(201);

      const message = await waitFor(() => push.got.find((m) => m.path.startsWith('/send/')), 'the push message', 15_000, 50);
      expect(message.headers['content-encoding']).toBe('aes128gcm');
      const payload = JSON.parse(decrypt(message.body, browser));
      expect(payload).toMatchObject({ type: 'time_request.created', title: 'Ida asks for 30 more minutes', body: 'the last episode', url: `/console/#/requests/${asked.body.id}` });
      // VAPID (RFC 8292): vapid t=<JWT signed with the service's key>, k=<that public key>
      const auth = String(message.headers.authorization);
      const m = /^vapid t=([^,]+), k=(.+)$/.exec(auth);
      expect(m).not.toBeNull();
      const key = (await api('GET', '/push/vapid-public-key', { token: h.token })).body.key as string;
      expect(m![2]).toBe(key);
      const raw = Buffer.from(key, 'base64url');
      const jwk = await importJWK({ kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, 'ES256');
      const { payload: claims } = await jwtVerify(m![1], jwk, { audience: push.base });
      expect(String(claims.sub)).toMatch(/^(mailto:|https:)/);

      // the push service said 410 for the other one: it is gone
      await waitFor(() => push.got.some((x) => x.path.startsWith('/gone/')), 'the 410', 15_000, 50);
      await waitFor(async () => (await db.query('select count(*)::int as n from push_subscriptions where id = $1', [gone.body.id])).rows[0].n === 0, 'the subscription dropped');
      expect((await db.query('select count(*)::int as n from push_subscriptions where id = $1', [sub.body.id])).rows[0].n).toBe(1);
    } finally {
      await push.close();
    }
  }, 60_000);

  it('"the allowance is spent" is pushed once a viewing day: a grant that reopens it and a second spending push nothing more', async () => {
    clock.set(START);
    const push = await pushService(tls, () => 201);
    try {
      const h = await household();
      const browser = browserKeys();
      expect((await api('POST', '/push/subscriptions', { token: h.token, body: { endpoint: `${push.base}/send/${randomUUID()}`, keys: browser.keys } })).status).toBe(201);
      expect((await api('PUT', `/parental-controls/profiles/${h.kid}/viewing-time`, { token: h.token, body: { daily_limits: { wednesday: 15 }, pin: PIN } })).status).toBe(200);
      let session: string | undefined;
      const watch = async (beats: number) => {
        for (let i = 0; i < beats; i++) {
          clock.advance(30);
          const a = await api('POST', '/viewing-time/heartbeat', { token: h.token, body: { profile_id: h.kid, title_id: title, device_id: 'tv', session_id: session } });
          session = a.body.session_id;
        }
      };
      await watch(32);
      const limits = () => push.got.filter((m) => JSON.parse(decrypt(m.body, browser)).type === 'limit.reached');
      await waitFor(() => limits().length === 1, 'the first limit.reached push', 15_000, 50);
      expect((await api('POST', `/parental-controls/profiles/${h.kid}/viewing-time/grant`, { token: h.token, body: { minutes: 15, pin: PIN } })).status).toBe(200);
      await watch(32);
      const events = async () => (await db.query(`select count(*)::int as n from events where type = 'limit_reached' and profile_id = $1`, [h.kid])).rows[0].n;
      expect(await events()).toBe(2);
      // the relay has read the second event (its place moved past it) and pushed nothing for it
      const second = (await db.query(`select max(id)::text as id from events where type = 'limit_reached' and profile_id = $1`, [h.kid])).rows[0].id as string;
      await waitFor(async () => BigInt((await db.query('select last_event_id::text as c from alert_relay')).rows[0].c) >= BigInt(second), 'the relay past the second event');
      await new Promise((r) => setTimeout(r, 500));
      expect(limits()).toHaveLength(1);
    } finally {
      await push.close();
    }
  }, 60_000);

  it('a subscription ends with its login: logout removes it', async () => {
    const email = uniqueEmail('alerts-logout');
    const reg = await api('POST', '/auth/register', { body: { email, password: 'push alerts household', timezone: 'Europe/Berlin' } });
    const sub = await api('POST', '/push/subscriptions', { token: reg.body.access_token, body: { endpoint: `https://127.0.0.1:9/send/${randomUUID()}`, keys: browserKeys().keys } });
    expect(sub.status).toBe(201);
    expect((await api('POST', '/auth/logout', { token: reg.body.access_token, body: { refresh_token: reg.body.refresh_token } })).status).toBeLessThan(300);
    await waitFor(async () => (await db.query('select count(*)::int as n from push_subscriptions where id = $1', [sub.body.id])).rows[0].n === 0, 'the subscription removed on logout');
  });
});

describe('threshold alerts', () => {
  it('limit.percent_used fires once per day and threshold on a 2-process cluster; a new threshold fires once more; the next day fires again', async () => {
    clock.set(START);
    const h = await household();
    expect((await api('PUT', '/parental-controls/alerts', { token: h.token, body: { percent_used: 50, pin: PIN } })).status).toBe(200);
    expect((await api('PUT', `/parental-controls/profiles/${h.kid}/viewing-time`, { token: h.token, body: { daily_limits: { wednesday: 30, thursday: 30 }, pin: PIN } })).status).toBe(200);
    const fired = async () => (await db.query(`select payload->>'percent' as percent from events where type = 'limit_percent_used' and profile_id = $1 order by id`, [h.kid])).rows.map((r) => Number(r.percent));
    let session: string | undefined;
    const servedBy = new Set<number>();
    const watch = async (beats: number) => {
      for (let i = 0; i < beats; i++) {
        clock.advance(30);
        const a = await api('POST', '/viewing-time/heartbeat', { token: h.token, body: { profile_id: h.kid, title_id: title, device_id: 'tv', session_id: session } });
        expect(a.status).toBe(200);
        session = a.body.session_id;
        servedBy.add(a.servedBy);
      }
    };
    await watch(1);
    await watch(32); // 16 of 30 minutes: past 50 % once
    expect(await fired()).toEqual([50]);
    await watch(4); // 18 minutes: nothing new
    expect(await fired()).toEqual([50]);
    expect((await api('PUT', '/parental-controls/alerts', { token: h.token, body: { percent_used: 75, pin: PIN } })).status).toBe(200);
    await watch(10); // 23 minutes: past the new threshold (75 %: 22.5): once more
    expect(await fired()).toEqual([50, 75]);
    await watch(4);
    expect(await fired()).toEqual([50, 75]);
    expect(servedBy.size).toBe(2); // both processes credited beats
    // the next viewing day (06:00 Berlin): the threshold fires again, once
    clock.set('2026-11-26T12:00:00Z');
    session = undefined;
    await watch(1);
    await watch(46);
    expect(await fired()).toEqual([50, 75, 75]);
  }, 60_000);
});
