// Read-your-writes across processes (SPEC §6): once a settings change or a grant has been answered,
// every process answers balance reads and heartbeats with the new state, with no wait for a NOTIFY.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dropDatabase, ownDatabase, request, startCluster, type Answer, type RunningCluster } from '../cluster-harness.ts';
import { TestClock, uniqueEmail } from '../harness.ts';

let cluster: RunningCluster;
let db: pg.Client;
let clock: TestClock;
let token: string;
let kid: string;
let pinToken: string; // the test clock moves on past the login's 5-minute PIN window; the token's expiry is real time
const titleId = randomUUID();

beforeAll(async () => {
  const url = await ownDatabase('vtime_ryw');
  clock = new TestClock('2026-11-25T10:00:00Z', path.join(mkdtempSync(path.join(os.tmpdir(), 'vtime-clock-')), 'now'));
  cluster = await startCluster(url, { TEST_CLOCK_FILE: clock.file! });
  db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Cluster Cartoons', 20, 'G', now())`, [titleId]);
  token = (await request(cluster.url, 'POST', '/api/v1/auth/register', { body: { email: uniqueEmail('ryw'), password: 'read your writes', timezone: 'Europe/Berlin' } })).body.access_token;
  kid = (await request(cluster.url, 'POST', '/api/v1/auth/profiles', { token, body: { name: 'Kid', is_kids: true } })).body.id;
  expect((await request(cluster.url, 'POST', '/api/v1/parental-controls/pin', { token, body: { new_pin: '8642' } })).status).toBe(200);
  pinToken = (await request(cluster.url, 'POST', '/api/v1/parental-controls/pin/verify', { token, body: { pin: '8642' } })).body.pin_token;
}, 60_000);

afterAll(async () => {
  await cluster?.stop('SIGTERM');
  await db?.end();
  if (cluster) await dropDatabase(cluster.dbUrl);
});

describe('read-your-writes on a 2-process cluster', () => {
  it('50 alternating limit changes: every balance read and heartbeat made after the answer shows the new limit', async () => {
    let session: string = (await request(cluster.url, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { profile_id: kid, title_id: titleId, device_id: 'tv' } })).body.session_id;
    let crossProcess = 0;
    const stale: string[] = [];
    for (let i = 0; i < 50; i++) {
      const limit = i % 2 === 0 ? 60 : 120;
      const put = await request(cluster.url, 'PUT', `/api/v1/parental-controls/profiles/${kid}/viewing-time`, { token, body: { weekday_limit_minutes: limit, pin_token: pinToken } });
      expect([put.status, put.body.weekday_limit_minutes]).toEqual([200, limit]);
      const reads: Answer[] = [];
      for (let r = 0; r < 2; r++) {
        reads.push(await request(cluster.url, 'GET', `/api/v1/viewing-time/balance/${kid}`, { token }));
        clock.advance(5);
        const hb = await request(cluster.url, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { profile_id: kid, session_id: session, title_id: titleId, device_id: 'tv' } });
        session = hb.body.session_id;
        reads.push(hb);
      }
      for (const a of reads) {
        if (a.servedBy !== put.servedBy) crossProcess++;
        // used time stays under 10 minutes, so 60 leaves at most 3,600 s and 120 more than that
        const seen = a.body.limit_minutes ?? (a.body.remaining_seconds <= 3600 ? 60 : 120);
        if (a.status !== 200 || seen !== limit) stale.push(`change ${i} (${limit} min, process ${put.servedBy}) read ${a.status} ${JSON.stringify(a.body)} on ${a.servedBy}`);
      }
    }
    expect(stale).toEqual([]);
    expect(crossProcess).toBeGreaterThanOrEqual(50); // round robin: about half of the 200 reads ran on the other process
  }, 60_000);

  it('a grant answered on one process is in the next balance read and heartbeat on the other', async () => {
    const before = (await request(cluster.url, 'GET', `/api/v1/viewing-time/balance/${kid}`, { token })).body.remaining_seconds as number;
    let session: string | undefined;
    for (let i = 0; i < 10; i++) {
      const g = await request(cluster.url, 'POST', `/api/v1/parental-controls/profiles/${kid}/viewing-time/grant`, { token, body: { minutes: 15, pin_token: pinToken } });
      expect(g.status).toBe(200);
      const expected = before + (i + 1) * 900;
      const b = await request(cluster.url, 'GET', `/api/v1/viewing-time/balance/${kid}`, { token });
      const hb = await request(cluster.url, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { profile_id: kid, session_id: session, title_id: titleId, device_id: 'tv' } });
      session = hb.body.session_id;
      expect([b.body.remaining_seconds, hb.body.remaining_seconds]).toEqual([expected, expected]); // the clock stands still: nothing more is used
    }
  });
});
