import { SignJWT, UnsecuredJWT } from 'jose';
import { client, newHousehold, startTestService, testConfig, type TestService } from '../harness.ts';

let svc: TestService;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  svc = await startTestService();
  api = client(svc.url);
});
afterAll(() => svc.close());

describe('bad input gets a clear error and never a 500', () => {
  it('malformed JSON is a 400 with detail and code', async () => {
    const r = await api('POST', '/api/v1/auth/login', { raw: '{"email": "a@b.c", ' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ detail: 'malformed JSON body', code: 'malformed_json' });
  });

  it('an unknown field is a 422 naming it', async () => {
    const r = await api('POST', '/api/v1/auth/register', { body: { email: 'x@example.com', password: 'long enough pw', is_admin: true } });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe('is_admin');
    expect(r.body.detail).toContain('is_admin');
  });

  it('a wrong type is a 422 naming the field', async () => {
    const r = await api('POST', '/api/v1/auth/register', { body: { email: 'x@example.com', password: 12345678 } });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ field: 'password', code: 'validation_error' });
  });

  it('a body over 16 KiB is a 413', async () => {
    const r = await api('POST', '/api/v1/auth/login', { body: { email: 'x@example.com', password: 'p'.repeat(17 * 1024) } });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('payload_too_large');
  });

  it('a non-JSON body is a 415', async () => {
    const r = await api('POST', '/api/v1/auth/login', { raw: 'email=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
  });

  it('an unknown route is a JSON 404', async () => {
    const r = await api('GET', '/api/v1/does-not-exist');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('route_not_found');
  });

  it('a bad path parameter is a 422 naming it', async () => {
    const h = await newHousehold(api);
    const r = await api('PATCH', '/api/v1/admin/titles/not-a-uuid', { token: h.access, body: {} });
    expect(r.status).toBe(403); // access is checked before input: a non-admin learns nothing
  });

  it('a bad query parameter is a 422 naming it', async () => {
    const h = await newHousehold(api);
    const r = await api('GET', '/api/v1/titles?limit=500', { token: h.access });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe('limit');
  });
});

describe('tokens', () => {
  const config = testConfig();
  const key = new TextEncoder().encode(config.JWT_SECRET);
  const claims = { scope: 'household' };
  let userId: string;
  let access: string;

  beforeAll(async () => {
    const h = await newHousehold(api);
    access = h.access;
    userId = (await api('GET', '/api/v1/auth/me', { token: access })).body.id;
  });

  const sign = (k: Uint8Array, exp: number, aud = config.JWT_AUDIENCE) => new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(config.JWT_ISSUER).setAudience(aud)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(exp).sign(k);

  it('a valid token works', async () => {
    expect((await api('GET', '/api/v1/auth/me', { token: access })).status).toBe(200);
    expect((await api('GET', '/api/v1/auth/me', { token: await sign(key, Math.floor(Date.now() / 1000) + 60) })).status).toBe(200);
  });

  it('an expired token is a 401', async () => {
    const r = await api('GET', '/api/v1/auth/me', { token: await sign(key, Math.floor(Date.now() / 1000) - 10) });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('invalid_token');
  });

  it('a token signed with another key is a 401', async () => {
    const other = new TextEncoder().encode('x'.repeat(48));
    expect((await api('GET', '/api/v1/auth/me', { token: await sign(other, Math.floor(Date.now() / 1000) + 60) })).status).toBe(401);
  });

  it('a token for another audience is a 401', async () => {
    expect((await api('GET', '/api/v1/auth/me', { token: await sign(key, Math.floor(Date.now() / 1000) + 60, 'someone-else') })).status).toBe(401);
  });

  it('an alg:none token is a 401', async () => {
    const none = new UnsecuredJWT(claims).setSubject(userId).setIssuer(config.JWT_ISSUER).setAudience(config.JWT_AUDIENCE)
      .setIssuedAt().setExpirationTime('5m').encode();
    expect((await api('GET', '/api/v1/auth/me', { token: none })).status).toBe(401);
  });

  it('a missing token is a 401', async () => {
    expect((await api('GET', '/api/v1/auth/me')).status).toBe(401);
  });
});

describe('operations endpoints', () => {
  it('live and ready answer 200', async () => {
    expect((await api('GET', '/health/live')).body).toEqual({ status: 'ok' });
    expect((await api('GET', '/health/ready')).body).toEqual({ status: 'ready' });
  });

  it('publishes an OpenAPI 3.1 document generated from the schemas', async () => {
    const r = await api('GET', '/api/v1/openapi.json');
    expect(r.body.openapi).toBe('3.1.0');
    const register = r.body.paths['/api/v1/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['email', 'password']));
    expect(register.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/api/v1/titles', '/health/ready', '/api/v1/auth/profiles']));
  });

  it('every response carries X-DB-Ops, Server-Timing and a request id', async () => {
    const r = await api('GET', '/health/ready', { headers: { 'x-request-id': 'trace-123' } });
    expect(r.headers.get('x-db-ops')).toBe('1');
    expect(r.headers.get('server-timing')).toMatch(/^db;dur=[\d.]+, total;dur=[\d.]+$/);
    expect(r.headers.get('x-request-id')).toBe('trace-123');
    expect(svc.logLines.some((l) => l.reqId === 'trace-123' && l.msg === 'request')).toBe(true);
  });
});

describe('draining', () => {
  it('readiness turns 503 "draining" at once while requests are still answered, then the port closes', async () => {
    const s = await startTestService({ SHUTDOWN_GRACE_MS: '300' });
    const c = client(s.url);
    const closing = s.close();
    const ready = await c('GET', '/health/ready');
    expect([ready.status, ready.body.code]).toEqual([503, 'draining']);
    expect((await c('GET', '/health/live')).status).toBe(200);
    await closing;
    await expect(c('GET', '/health/live')).rejects.toThrow();
  });
});
