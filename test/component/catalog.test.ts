import pg from 'pg';
import { client, databaseUrl, newHousehold, startTestService, type TestService } from '../harness.ts';

let svc: TestService;
let api: ReturnType<typeof client>;
let adminToken: string;
let userToken: string;

beforeAll(async () => {
  svc = await startTestService();
  api = client(svc.url);
  const admin = await newHousehold(api);
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  await db.query('update users set is_admin = true where email = $1', [admin.email]);
  await db.end();
  adminToken = admin.access;
  userToken = (await newHousehold(api)).access;
});
afterAll(() => svc.close());

describe('catalogue', () => {
  it('admins create and update titles, including is_educational', async () => {
    const created = await api('POST', '/api/v1/admin/titles', { token: adminToken, body: { title: 'Counting Stars', duration_minutes: 22, age_rating: 'G' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Counting Stars', is_educational: false, duration_minutes: 22 });
    const patched = await api('PATCH', `/api/v1/admin/titles/${created.body.id}`, { token: adminToken, body: { is_educational: true } });
    expect(patched.body).toMatchObject({ id: created.body.id, is_educational: true, title: 'Counting Stars' });
  });

  it('non-admins get 403 and change nothing', async () => {
    const r = await api('POST', '/api/v1/admin/titles', { token: userToken, body: { title: 'Nope', duration_minutes: 5, age_rating: 'G' } });
    expect(r.status).toBe(403);
  });

  it('an unknown title id is a 404, a bad one a 422', async () => {
    expect((await api('PATCH', '/api/v1/admin/titles/00000000-0000-4000-8000-000000000000', { token: adminToken, body: { is_educational: true } })).status).toBe(404);
    const bad = await api('PATCH', '/api/v1/admin/titles/abc', { token: adminToken, body: { is_educational: true } });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('title_id');
  });

  it('lists with paging and a total; limit over 200 is refused', async () => {
    for (let i = 0; i < 3; i++) await api('POST', '/api/v1/admin/titles', { token: adminToken, body: { title: `Paging ${i}`, duration_minutes: 10, age_rating: 'G' } });
    const page1 = await api('GET', '/api/v1/titles?limit=2&offset=0', { token: userToken });
    const page2 = await api('GET', '/api/v1/titles?limit=2&offset=2', { token: userToken });
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.total).toBeGreaterThanOrEqual(4);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect((await api('GET', '/api/v1/titles?limit=201', { token: userToken })).status).toBe(422);
  });
});
