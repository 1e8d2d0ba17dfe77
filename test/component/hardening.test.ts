// What an adversarial run found (issue 11): inputs that gave a 500, the development JWT secret,
// slow clients, Prometheus on the public port, the bearer scheme, the default response headers.
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { SignJWT } from 'jose';
import { client, databaseUrl, newHousehold, startTestService, testConfig, type TestService } from '../harness.ts';
import { createTitles, household } from './viewing-time.fixtures.ts';

let svc: TestService;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  svc = await startTestService();
  api = client(svc.url);
});
afterAll(() => svc.close());

/** A raw POST with headers of our choosing (fetch would refuse or re-encode some of them). */
function post(path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return fetch(svc.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
    .then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
}

describe('a NUL byte in any string is a 422 naming the field (PostgreSQL cannot store it)', () => {
  it('profile name, title, heartbeat device_id, a query parameter and a key', async () => {
    const h = await household(api);
    const profile = await api('POST', '/api/v1/auth/profiles', { token: h.token, body: { name: 'Le\u0000o', is_kids: true } });
    expect([profile.status, profile.body.field, profile.body.code]).toEqual([422, 'name', 'validation_error']);
    const { regular } = await createTitles();
    const beat = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.token, body: { profile_id: h.kidId, title_id: regular, device_id: 'tv\u0000' } });
    expect([beat.status, beat.body.field]).toEqual([422, 'device_id']);
    const admin = await newHousehold(api);
    const db = new pg.Client({ connectionString: databaseUrl() });
    await db.connect();
    await db.query('update users set is_admin = true where email = $1', [admin.email]);
    await db.end();
    svc.identity.users.clear();
    const title = await api('POST', '/api/v1/admin/titles', { token: admin.access, body: { title: 'Bad\u0000Title', duration_minutes: 20, age_rating: 'G' } });
    expect([title.status, title.body.field]).toEqual([422, 'title']);
    const query = await api('GET', '/api/v1/titles?search=a%00b', { token: admin.access });
    expect([query.status, query.body.location]).toEqual([422, 'query']);
    const key = await api('POST', '/api/v1/auth/login', { body: { email: 'a@b.example', password: 'x', ['k\u0000']: 1 } });
    expect([key.status, key.body.field]).toEqual([422, 'k\\u0000']);
  });
});

describe('a body that does not match its Content-Encoding is a 400 or 415, never a 500', () => {
  const body = Buffer.from(JSON.stringify({ email: 'x@example.com', password: 'whatever it is' }));

  it('gzip or deflate declared on a plain body: 400', async () => {
    for (const encoding of ['gzip', 'deflate']) {
      const r = await post('/api/v1/auth/login', body, { 'content-encoding': encoding });
      expect([r.status, r.body?.code]).toEqual([400, 'bad_encoding']);
    }
  });

  it('truncated gzip: 400', async () => {
    const gz = gzipSync(body);
    const r = await post('/api/v1/auth/login', gz.subarray(0, gz.length - 8), { 'content-encoding': 'gzip' });
    expect([r.status, r.body?.code]).toEqual([400, 'bad_encoding']);
  });

  it('an unknown encoding: 415', async () => {
    const r = await post('/api/v1/auth/login', body, { 'content-encoding': 'x-made-up' });
    expect([r.status, r.body?.code]).toEqual([415, 'unsupported_encoding']);
  });

  it('a real gzip bomb still gets 413, and real gzip works', async () => {
    const bomb = gzipSync(Buffer.from(`{"email":"${'a'.repeat(10_000_000)}"}`));
    expect(bomb.length).toBeLessThan(16 * 1024);
    const r = await post('/api/v1/auth/login', bomb, { 'content-encoding': 'gzip' });
    expect([r.status, r.body?.code]).toEqual([413, 'payload_too_large']);
    const ok = await post('/api/v1/auth/login', gzipSync(body), { 'content-encoding': 'gzip' });
    expect(ok.status).toBe(401); // parsed and checked: a wrong login
  });
});

describe('methods', () => {
  it('a method a path does not allow is a JSON 405 with Allow; an unknown method a JSON 501', async () => {
    const r = await api('DELETE', '/api/v1/auth/login');
    expect(r.status).toBe(405);
    expect(r.body).toEqual({ detail: expect.any(String), code: 'method_not_allowed' });
    expect(r.headers.get('allow')).toContain('POST');
    const unknown = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const s = net.connect(Number(new URL(svc.url).port), '127.0.0.1', () => s.write('PURGE /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let text = '';
      s.on('data', (d) => { text += d; });
      s.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
      s.on('error', reject);
    });
    expect(unknown.status).toBe(501);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'not_implemented' });
  });
});

describe('tokens and headers', () => {
  it('a token signed with the repository\'s old development secret is refused, and the value is refused as a setting', async () => {
    const published = 'vtime-development-secret-change-me-0123456789';
    const h = await newHousehold(api);
    const me = (await api('GET', '/api/v1/auth/me', { token: h.access })).body;
    const config = testConfig();
    const forged = await new SignJWT({ scope: 'household' }).setProtectedHeader({ alg: 'HS256' }).setSubject(me.id)
      .setIssuer(config.JWT_ISSUER).setAudience(config.JWT_AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(published));
    const r = await api('GET', '/api/v1/auth/me', { token: forged });
    expect([r.status, r.body.code]).toEqual([401, 'invalid_token']);
    expect(() => testConfig({ JWT_SECRET: published })).toThrow(/published in the repository/);
  });

  it('the bearer scheme is case-insensitive', async () => {
    const h = await newHousehold(api);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      expect((await api('GET', '/api/v1/auth/me', { headers: { authorization: `${scheme} ${h.access}` } })).status).toBe(200);
    }
  });

  it('answers carry Cache-Control: no-store and X-Content-Type-Options: nosniff, errors too', async () => {
    for (const r of [await api('GET', '/health/live'), await api('GET', '/api/v1/auth/me'), await api('GET', '/api/v1/nope')]) {
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('Prometheus', () => {
  it('is not served on the public port, but on the metrics listener, without touching the database', async () => {
    const pub = await api('GET', '/metrics');
    expect([pub.status, pub.body.code]).toEqual([404, 'route_not_found']);
    expect(new URL(svc.metricsUrl).hostname).toBe('127.0.0.1');
    const before = svc.requests.length;
    const { totalDbRoundTrips } = await import('../../src/db/query-counter.ts');
    const trips = totalDbRoundTrips();
    const scrape = await fetch(svc.metricsUrl);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^vtime_http_requests_total/m);
    expect(totalDbRoundTrips()).toBe(trips);
    expect(svc.requests.length).toBe(before);
    expect((await fetch(svc.metricsUrl.replace('/metrics', '/api/v1/auth/me'))).status).toBe(404);
  });
});

/** n keep-alive connections, each answering one request now and one more after `idleMs`: how many got both answers. */
async function keepAlive(n: number, idleMs: number): Promise<number> {
  const port = Number(new URL(svc.url).port);
  const ask = (s: net.Socket) => new Promise<boolean>((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d;
      if (/\r\n\r\n\{"status":"ok"\}$/.test(text)) { s.off('data', onData); resolve(text.startsWith('HTTP/1.1 200')); }
    };
    s.on('data', onData);
    s.once('close', () => resolve(false));
    s.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  const sockets = await Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  })));
  const first = await Promise.all(sockets.map(ask));
  await new Promise((r) => setTimeout(r, idleMs));
  const second = await Promise.all(sockets.map(ask));
  for (const s of sockets) s.destroy();
  return first.filter((ok, i) => ok && second[i]).length;
}

describe('slow clients', () => {
  /** How long until the service closes a socket that trickles header lines and never finishes them. */
  const slowHeaders = () => new Promise<number>((resolve) => {
    const started = Date.now();
    const s = net.connect(Number(new URL(svc.url).port), '127.0.0.1', () => s.write('GET /health/live HTTP/1.1\r\nHost: x\r\n'));
    const trickle = setInterval(() => s.write(`X-Slow-${Date.now()}: 1\r\n`), 500);
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => { clearInterval(trickle); resolve(Date.now() - started); });
    setTimeout(() => s.destroy(), 15_000).unref();
  });

  it('a socket that sends its headers slowly is closed by 10 s, while 1,500 keep-alive connections stay served', async () => {
    const [closedAfter, served] = await Promise.all([slowHeaders(), keepAlive(1500, 11_000)]);
    expect(closedAfter).toBeGreaterThanOrEqual(9_000);
    expect(closedAfter).toBeLessThanOrEqual(10_200); // 10 s, and a little for this test's own timers
    expect(served).toBe(1500); // idle keep-alive sockets are not taken for slow ones
  }, 40_000);
});
