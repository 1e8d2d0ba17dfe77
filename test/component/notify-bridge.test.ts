import pg from 'pg';
import { client, databaseUrl, startTestService, type TestService } from '../harness.ts';
import { beat, createTitles, household } from './viewing-time.fixtures.ts';

let a: TestService;
let b: TestService;
let db: pg.Client;
let titles: { regular: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [a, b] = await Promise.all([startTestService(), startTestService()]);
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  titles = await createTitles();
});
afterAll(async () => {
  await db.end();
  await Promise.all([a.close(), b.close()]);
});

async function waitFor(check: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await sleep(10);
  }
  return Date.now() - t0;
}

describe('invalidation across processes through LISTEN/NOTIFY', () => {
  it('a config change in one process drops the entry in another within 1 s', async () => {
    const h = await household(client(a.url));
    await beat(client(b.url), h.token, { profile_id: h.kidId, title_id: titles.regular }); // b caches the config
    expect(b.configs.peekAny(h.kidId)).toBeDefined();
    await a.configs.update(h.kidId, { weekday_limit_minutes: 45, weekend_limit_minutes: 45 }); // every day: whatever day the suite runs on
    expect(await waitFor(() => b.configs.peekAny(h.kidId) === undefined, 1000)).toBeLessThan(1000);
    const r = await beat(client(b.url), h.token, { profile_id: h.kidId, title_id: titles.regular });
    expect(r.body.remaining_seconds).toBe(2700);
  });

  it('after the listening connection drops and comes back, every cache is flushed', async () => {
    const h = await household(client(b.url));
    await beat(client(b.url), h.token, { profile_id: h.kidId, title_id: titles.regular });
    expect(b.configs.stats().size).toBeGreaterThan(0);
    const pid = await b.bridge.listenerPid();
    await db.query('select pg_terminate_backend($1)', [pid]);
    await waitFor(() => b.logLines.some((l) => String(l.msg).startsWith('invalidation listener reconnected')), 5000);
    expect(b.configs.stats().size).toBe(0);
    expect(b.identity.profiles.stats().size).toBe(0);
    expect(await b.bridge.listenerPid()).not.toBe(pid);
    // and it listens again: a change made elsewhere arrives
    await beat(client(b.url), h.token, { profile_id: h.kidId, title_id: titles.regular });
    await a.configs.update(h.kidId, { weekday_limit_minutes: 30, weekend_limit_minutes: 30 });
    await waitFor(() => b.configs.peekAny(h.kidId) === undefined, 1000);
  });

  it('logs invalidations at info without secrets', async () => {
    expect(a.logLines.some((l) => l.msg === 'cache invalidated' && l.level === 30)).toBe(true);
  });
});
