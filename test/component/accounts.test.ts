import pg from 'pg';
import { client, databaseUrl, newHousehold, startTestService, uniqueEmail, type TestService } from '../harness.ts';

let svc: TestService;
let api: ReturnType<typeof client>;
let db: pg.Client;

beforeAll(async () => {
  svc = await startTestService();
  api = client(svc.url);
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await svc.close();
});

describe('register and login', () => {
  it('registers (201 with tokens), stores the email lower-case and logs in', async () => {
    const email = uniqueEmail('MixedCase').replace('mixedcase', 'MiXeD');
    const reg = await api('POST', '/api/v1/auth/register', { body: { email, password: 'a good password', timezone: 'Europe/Berlin' } });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    const me = await api('GET', '/api/v1/auth/me', { token: reg.body.access_token });
    expect(me.body).toMatchObject({ email: email.toLowerCase(), is_admin: false, timezone: 'Europe/Berlin', has_pin: false });
    const login = await api('POST', '/api/v1/auth/login', { body: { email: email.toUpperCase(), password: 'a good password' } });
    expect(login.status).toBe(200);
  });

  it('refuses a duplicate email with 409', async () => {
    const h = await newHousehold(api);
    const r = await api('POST', '/api/v1/auth/register', { body: { email: h.email, password: 'another password' } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('email_taken');
  });

  it('refuses a 100-byte password with 422 and stores nothing', async () => {
    const email = uniqueEmail();
    const r = await api('POST', '/api/v1/auth/register', { body: { email, password: 'p'.repeat(100) } });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe('password');
    expect((await db.query('select 1 from users where email = $1', [email])).rowCount).toBe(0);
  });

  it('counts bytes, not characters: 25 four-byte characters are over 72 bytes', async () => {
    const r = await api('POST', '/api/v1/auth/register', { body: { email: uniqueEmail(), password: '😀'.repeat(25) } });
    expect(r.status).toBe(422);
  });

  it('refuses an unknown timezone with 422', async () => {
    const r = await api('POST', '/api/v1/auth/register', { body: { email: uniqueEmail(), password: 'a good password', timezone: 'Mars/Olympus' } });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe('timezone');
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const h = await newHousehold(api);
    const wrong = await api('POST', '/api/v1/auth/login', { body: { email: h.email, password: 'wrong password' } });
    const unknown = await api('POST', '/api/v1/auth/login', { body: { email: uniqueEmail(), password: 'wrong password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });
});

describe('refresh tokens', () => {
  it('rotates: the new token works, the old one is revoked', async () => {
    const h = await newHousehold(api);
    const r1 = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(h.refresh);
    expect((await api('GET', '/api/v1/auth/me', { token: r1.body.access_token })).status).toBe(200);
  });

  it('a lost answer: the rotated token sent again within 60 s gets the same successor and a working access token of the family', async () => {
    const h = await newHousehold(api);
    const r1 = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    expect(r1.status).toBe(200);
    const again = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    expect([again.status, again.body.refresh_token]).toEqual([200, r1.body.refresh_token]);
    expect((await api('GET', '/api/v1/auth/me', { token: again.body.access_token })).status).toBe(200);
    // one live token in the family: the successor, which rotates on as usual
    const { rows } = await db.query(`select count(*)::int as n from refresh_tokens t join users u on u.id = t.user_id where u.email = $1 and t.revoked_at is null`, [h.email]);
    expect(rows[0].n).toBe(1);
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } })).status).toBe(200);
  });

  it('reuse after 60 s revokes the whole family', async () => {
    const h = await newHousehold(api);
    const r1 = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    // the rotation happened 61 s ago
    await db.query(`update refresh_tokens t set revoked_at = t.revoked_at - interval '61 seconds' from users u
      where u.id = t.user_id and u.email = $1 and t.revoked_at is not null`, [h.email]);
    const reuse = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('token_reused');
    // the token issued by the legitimate rotation is now dead too
    const after = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } });
    expect(after.status).toBe(401);
  });

  it('reuse within 60 s once the successor has rotated on revokes the whole family', async () => {
    const h = await newHousehold(api);
    const r1 = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    const r2 = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } });
    expect(r2.status).toBe(200);
    const reuse = await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } });
    expect([reuse.status, reuse.body.code]).toEqual([401, 'token_reused']);
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r2.body.refresh_token } })).status).toBe(401);
  });

  it('logout revokes the family; an unknown token is a 401', async () => {
    const h = await newHousehold(api);
    expect((await api('POST', '/api/v1/auth/logout', { body: { refresh_token: h.refresh } })).status).toBe(204);
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: h.refresh } })).status).toBe(401);
    expect((await api('POST', '/api/v1/auth/refresh', { body: { refresh_token: 'nonsense' } })).status).toBe(401);
  });

  it('stores only the hash of a refresh token', async () => {
    const h = await newHousehold(api);
    const { rowCount } = await db.query('select 1 from refresh_tokens where token_hash = $1', [h.refresh]);
    expect(rowCount).toBe(0);
  });
});

describe('profiles', () => {
  it('creates kids and adult profiles; a kids profile gets its default config in the same transaction', async () => {
    const h = await newHousehold(api, { timezone: 'Pacific/Auckland' });
    const kid = await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Mia', is_kids: true } });
    expect(kid.status).toBe(201);
    expect(kid.body).toMatchObject({ id: expect.any(String), name: 'Mia', is_kids: true });
    const adult = await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Dad', is_kids: false } });
    const { rows } = await db.query('select profile_id, monday_limit_minutes, friday_limit_minutes, saturday_limit_minutes, sunday_limit_minutes, break_after_minutes, reset_hour, educational_exempt, timezone from viewing_time_configs where profile_id = any($1)', [[kid.body.id, adult.body.id]]);
    expect(rows).toEqual([{ profile_id: kid.body.id, monday_limit_minutes: 120, friday_limit_minutes: 120, saturday_limit_minutes: 180, sunday_limit_minutes: 180, break_after_minutes: null, reset_hour: 6, educational_exempt: true, timezone: 'Pacific/Auckland' }]);
    const list = await api('GET', '/api/v1/auth/profiles', { token: h.access });
    expect(list.body.map((p: { name: string }) => p.name)).toEqual(['Mia', 'Dad']);
  });

  it('lists only the caller’s own profiles', async () => {
    const a = await newHousehold(api);
    const b = await newHousehold(api);
    await api('POST', '/api/v1/auth/profiles', { token: a.access, body: { name: 'A-kid', is_kids: true } });
    const list = await api('GET', '/api/v1/auth/profiles', { token: b.access });
    expect(list.body).toEqual([]);
  });

  it('validates profile fields', async () => {
    const h = await newHousehold(api);
    const r = await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: '', is_kids: true } });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe('name');
  });
});
