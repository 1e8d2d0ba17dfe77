import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { client, databaseUrl, newHousehold, startTestService, TestClock, type TestService } from '../harness.ts';

export type Api = ReturnType<typeof client>;

/** Two titles for the player tests: one regular, one educational. */
export async function createTitles(): Promise<{ regular: string; educational: string }> {
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  const regular = randomUUID();
  const educational = randomUUID();
  await db.query(`insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at)
    values ($1, 'Cartoon Chaos', false, 22, 'G', now()), ($2, 'Counting with Owls', true, 15, 'G', now())`, [regular, educational]);
  await db.end();
  return { regular, educational };
}

/** A fresh household with one kids profile (and an adult one). */
export async function household(api: Api, timezone = 'Europe/Berlin') {
  const h = await newHousehold(api, { timezone });
  const kid = await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Kid', is_kids: true } });
  const adult = await api('POST', '/api/v1/auth/profiles', { token: h.access, body: { name: 'Grown-up', is_kids: false } });
  return { ...h, token: h.access, kidId: kid.body.id as string, adultId: adult.body.id as string };
}

export function beat(api: Api, token: string, body: Record<string, unknown>) {
  return api('POST', '/api/v1/viewing-time/heartbeat', { token, body: { device_id: 'tv-1', device_type: 'tv', ...body } });
}

export interface PlayerSuite {
  svc: TestService;
  api: Api;
  db: pg.Client;
  titles: { regular: string; educational: string };
}

/**
 * A real service on a movable clock, a direct database client and two titles, for one test file;
 * the clock is set back to `start` before every test.
 */
export function playerSuite(start: string, env: Record<string, string> = {}): { clock: TestClock; suite: PlayerSuite } {
  const clock = new TestClock(start);
  const suite = {} as PlayerSuite;
  beforeAll(async () => {
    suite.svc = await startTestService(env, { clock });
    suite.api = client(suite.svc.url);
    suite.db = new pg.Client({ connectionString: databaseUrl() });
    await suite.db.connect();
    suite.titles = await createTitles();
  });
  afterAll(async () => {
    await suite.db.end();
    await suite.svc.close();
  });
  beforeEach(() => clock.set(start));
  return { clock, suite };
}
