// The real cluster (node src/main.ts, 2 service processes): each test makes its own household on a
// shared running cluster and stands alone; the SIGTERM test stops a cluster of its own.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import parsePrometheus from 'parse-prometheus-text-format';
import { dropDatabase, ownDatabase, request, startCluster, type Answer, type RunningCluster } from '../cluster-harness.ts';
import { uniqueEmail, waitFor } from '../harness.ts';

let dbUrl: string;
let cluster: RunningCluster;
let db: pg.Client;
let titleId: string;
let startedAt: { before: number; after: number };
const PIN = '1357';

interface Household { token: string; kids: string[] }

async function household(on: RunningCluster, kids = 1): Promise<Household> {
  const email = uniqueEmail('cluster');
  const token = (await request(on.url, 'POST', '/api/v1/auth/register', { body: { email, password: 'cluster password' } })).body.access_token;
  const ids: string[] = [];
  for (let i = 0; i < kids; i++) ids.push((await request(on.url, 'POST', '/api/v1/auth/profiles', { token, body: { name: `Kid ${i}`, is_kids: true } })).body.id);
  expect((await request(on.url, 'POST', '/api/v1/parental-controls/pin', { token, body: { new_pin: PIN } })).status).toBe(200);
  return { token, kids: ids };
}

async function admin(on: RunningCluster): Promise<string> {
  const email = uniqueEmail('cluster-admin');
  const token = (await request(on.url, 'POST', '/api/v1/auth/register', { body: { email, password: 'cluster password' } })).body.access_token;
  await db.query('update users set is_admin = true where email = $1', [email]);
  return token;
}

const beat = (on: RunningCluster, token: string, body: Record<string, unknown>): Promise<Answer> =>
  request(on.url, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { title_id: titleId, device_id: 'tv', ...body } });

beforeAll(async () => {
  dbUrl = await ownDatabase('vtime_cluster');
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  titleId = randomUUID();
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Cluster Cartoons', 20, 'G', now())`, [titleId]);
  const before = Date.now();
  cluster = await startCluster(dbUrl);
  startedAt = { before, after: Date.now() };
}, 60_000);

afterAll(async () => {
  if (cluster.child.exitCode === null) await cluster.stop('SIGKILL');
  await db.end();
  await dropDatabase(dbUrl);
});

describe('a cluster of 2 service processes', () => {
  it('a limit changed through one process is honoured by the next heartbeat the other serves, within 1 s', async () => {
    const h = await household(cluster);
    const kid = h.kids[0];
    const start = await beat(cluster, h.token, { profile_id: kid });
    const served = new Set<number>();
    for (let i = 0; i < 20 && served.size < 2; i++) served.add((await beat(cluster, h.token, { profile_id: kid, session_id: start.body.session_id })).servedBy);
    expect(served.size).toBe(2); // both processes have the config cached now
    // every day's limit, so the change applies whatever day of the week the suite runs on
    const put = await request(cluster.url, 'PUT', `/api/v1/parental-controls/profiles/${kid}/viewing-time`,
      { token: h.token, body: { weekday_limit_minutes: 15, weekend_limit_minutes: 15, pin: PIN } });
    expect(put.status).toBe(200);
    const changedAt = Date.now();
    let honoured: Answer | undefined;
    while (!honoured && Date.now() - changedAt < 1000) {
      const a = await beat(cluster, h.token, { profile_id: kid, session_id: start.body.session_id });
      if (a.servedBy !== put.servedBy && a.body.remaining_seconds <= 900) honoured = a;
    }
    expect(honoured).toBeDefined();
    expect(cluster.output.join('')).toContain('cache invalidated');
  });

  it('/admin/metrics counts every heartbeat across processes; /metrics parses as Prometheus text', async () => {
    const token = await admin(cluster);
    const h = await household(cluster);
    const metrics = async () => (await request(cluster.url, 'GET', '/api/v1/admin/metrics', { token })).body;
    // the other tests' beats are counted too: wait until the figure stands still, then add ours
    let before = (await metrics()).heartbeat.total_processed;
    before = await waitFor(async () => { const now = (await metrics()).heartbeat.total_processed; const same = now === before; before = now; return same && now; }, 'a quiet cluster', 10_000, 300);
    const acknowledged: Answer[] = [];
    let sid: string | undefined;
    for (let i = 0; i < 20; i++) {
      const a = await beat(cluster, h.token, { profile_id: h.kids[0], session_id: sid });
      expect(a.status).toBe(200);
      sid = a.body.session_id;
      acknowledged.push(a);
    }
    expect(new Set(acknowledged.map((a) => a.servedBy)).size).toBe(2);
    const m = await waitFor(async () => { const x = await metrics(); return x.heartbeat.total_processed === before + 20 && x.processes_reporting === 2 && x; }, 'both processes publishing our 20 beats');
    expect(m.heartbeat.total_processed).toBe(before + acknowledged.length);
    // percentiles of the merged histogram: a real spread, never above the slowest beat
    expect(m.heartbeat.p50_duration_ms).toBeGreaterThan(0);
    expect(m.heartbeat.p99_duration_ms).toBeLessThanOrEqual(m.heartbeat.max_duration_ms * 1.01);
    expect(m.config_cache.total_misses).toBeGreaterThan(0); // the first beat of the day read the settings; later beats need none
    // the service's uptime, not the host's: it began between spawning the cluster and its ready line
    const elapsed = (t: number) => (Date.now() - t) / 1000;
    expect(m.uptime_seconds).toBeGreaterThanOrEqual(Math.floor(elapsed(startedAt.after)) - 1);
    expect(m.uptime_seconds).toBeLessThanOrEqual(Math.ceil(elapsed(startedAt.before)) + 1);
    // a scrape reads the other process's figures from the last publishing exchange: poll until they are there
    const scrape = async () => {
      const prom = await request(cluster.metricsUrl, 'GET', '');
      expect(prom.headers['content-type']).toMatch(/^text\/plain/);
      return parsePrometheus(prom.body as string);
    };
    const families = await waitFor(async () => {
      const f = await scrape();
      return Number(f.find((x) => x.name === 'vtime_heartbeat_duration_seconds')?.metrics[0].count) >= before + acknowledged.length && f;
    }, 'the scrape counting our beats');
    expect(families.find((f) => f.name === 'vtime_heartbeat_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(families.map((f) => f.name)).toEqual(expect.arrayContaining(['vtime_db_round_trips_total', 'vtime_config_cache_hits_total', 'vtime_worker_pool_threads', 'vtime_event_loop_delay_p99_seconds', 'vtime_db_pool_connections']));
  });

  it('a killed process loses no acknowledged heartbeat and is replaced', async () => {
    const h = await household(cluster, 4);
    const processes = new Set<number>();
    const acked = new Map<string, number>();
    let running = true;
    const viewer = async (kid: string) => {
      let sid: string | undefined;
      for (let seq = 1; running && seq < 400; seq++) {
        try {
          const a = await beat(cluster, h.token, { profile_id: kid, session_id: sid, seq });
          if (a.status === 200) { sid = a.body.session_id; acked.set(sid!, seq); processes.add(a.servedBy); }
        } catch { /* the process died under this request: not acknowledged, the player retries */ }
        await new Promise((r) => setTimeout(r, 20)); // a viewer's pace, not a wait for anything
      }
    };
    const loops = h.kids.map(viewer);
    await waitFor(() => processes.size === 2 && acked.size === h.kids.length, 'every viewer acknowledged by both processes', 10_000);
    const victim = [...processes][0];
    const ackedBefore = [...acked.values()].reduce((a, n) => a + n, 0);
    process.kill(victim, 'SIGKILL');
    // beats go on through the survivor until well after the kill
    await waitFor(() => [...acked.values()].reduce((a, n) => a + n, 0) >= ackedBefore + 4 * h.kids.length, 'beats acknowledged after the kill', 10_000);
    running = false;
    await Promise.all(loops);
    for (const [sid, seq] of acked) {
      const { rows } = await db.query('select last_seq from viewing_sessions where id = $1', [sid]);
      expect(Number(rows[0].last_seq)).toBeGreaterThanOrEqual(seq);
    }
    const replacement = await waitFor(async () => {
      const a = await request(cluster.url, 'GET', '/health/ready');
      return a.status === 200 && !processes.has(a.servedBy) && a.servedBy;
    }, 'a replacement process answering', 15_000, 50);
    expect(replacement).not.toBe(victim);
    expect(cluster.output.join('')).toContain('service process died; replacing it');
  }, 60_000);
});

describe('a cluster stopping', () => {
  it('SIGTERM during load answers every in-flight request and exits 0', async () => {
    const own = await startCluster(dbUrl);
    try {
      const h = await household(own, 4);
      let inFlight = 0;
      const failures: string[] = [];
      let answered = 0;
      let stopping = false;
      const viewer = async (kid: string) => {
        let sid: string | undefined;
        while (!stopping) {
          inFlight++;
          try {
            const a = await beat(own, h.token, { profile_id: kid, session_id: sid });
            sid = a.body.session_id;
            answered++;
          } catch (e) { failures.push(String(e)); } finally { inFlight--; }
        }
      };
      const loops = h.kids.map(viewer);
      await waitFor(() => answered >= 20, 'beats under way', 10_000);
      stopping = true; // no new requests from here: the ones on the wire must all be answered
      const code = own.stop('SIGTERM');
      await Promise.all(loops);
      const exitCode = await code;
      const log = own.output.join('').split('\n').filter((l) => !l.includes('"msg":"request"') && !l.includes('cache invalidated')).slice(-25).join('\n');
      expect({ failures, exitCode, log: failures.length || exitCode !== 0 ? log : '' }).toEqual({ failures: [], exitCode: 0, log: '' });
      expect(inFlight).toBe(0);
    } finally {
      if (own.child.exitCode === null) await own.stop('SIGKILL');
    }
  }, 60_000);
});
