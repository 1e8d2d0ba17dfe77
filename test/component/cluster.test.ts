import { randomUUID } from 'node:crypto';
import pg from 'pg';
import parsePrometheus from 'parse-prometheus-text-format';
import { dropDatabase, ownDatabase, request, startCluster, type Answer, type RunningCluster } from '../cluster-harness.ts';
import { uniqueEmail } from '../harness.ts';

let cluster: RunningCluster;
let db: pg.Client;
let token: string;
let kids: string[] = [];
let titleId: string;
const acknowledgedBeats: Answer[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function beat(body: Record<string, unknown>): Promise<Answer> {
  const a = await request(cluster.url, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { title_id: titleId, device_id: 'tv', ...body } });
  if (a.status === 200) acknowledgedBeats.push(a);
  return a;
}

beforeAll(async () => {
  const url = await ownDatabase('vtime_cluster');
  cluster = await startCluster(url);
  db = new pg.Client({ connectionString: url });
  await db.connect();
  const email = uniqueEmail('cluster');
  token = (await request(cluster.url, 'POST', '/api/v1/auth/register', { body: { email, password: 'cluster password' } })).body.access_token;
  await db.query('update users set is_admin = true where email = $1', [email]);
  for (let i = 0; i < 4; i++) kids.push((await request(cluster.url, 'POST', '/api/v1/auth/profiles', { token, body: { name: `Kid ${i}`, is_kids: true } })).body.id);
  titleId = randomUUID();
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Cluster Cartoons', 20, 'G', now())`, [titleId]);
  expect((await request(cluster.url, 'POST', '/api/v1/parental-controls/pin', { token, body: { new_pin: '1357' } })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  if (cluster.child.exitCode === null) await cluster.stop('SIGKILL');
  await db.end();
  await dropDatabase(cluster.dbUrl);
});

describe('a cluster of 2 service processes', () => {
  it('a limit changed through one process is honoured by the next heartbeat the other serves, within 1 s', async () => {
    const kid = kids[0];
    const start = await beat({ profile_id: kid });
    const served = new Set<number>();
    for (let i = 0; i < 20 && served.size < 2; i++) served.add((await beat({ profile_id: kid, session_id: start.body.session_id })).servedBy);
    expect(served.size).toBe(2); // both processes have the config cached now
    const put = await request(cluster.url, 'PUT', `/api/v1/parental-controls/profiles/${kid}/viewing-time`, { token, body: { weekday_limit_minutes: 15, pin: '1357' } });
    expect(put.status).toBe(200);
    const changedAt = Date.now();
    let honoured: Answer | undefined;
    while (!honoured && Date.now() - changedAt < 1000) {
      const a = await beat({ profile_id: kid, session_id: start.body.session_id });
      if (a.servedBy !== put.servedBy && a.body.remaining_seconds <= 900) honoured = a;
    }
    expect(honoured).toBeDefined();
    expect(cluster.output.join('')).toContain('cache invalidated');
  });

  it('/admin/metrics counts every heartbeat across processes; /metrics parses as Prometheus text', async () => {
    for (let i = 0; i < 20; i++) await beat({ profile_id: kids[1], session_id: i === 0 ? undefined : acknowledgedBeats.at(-1)!.body.session_id });
    expect(new Set(acknowledgedBeats.map((a) => a.servedBy)).size).toBe(2);
    await sleep(700); // a few publishing intervals
    const m = await request(cluster.url, 'GET', '/api/v1/admin/metrics', { token });
    expect(m.status).toBe(200);
    expect(m.body.processes_reporting).toBe(2);
    expect(m.body.heartbeat.total_processed).toBe(acknowledgedBeats.length);
    const clientAvg = acknowledgedBeats.reduce((s, a) => s + Number(a.headers['x-db-ops']), 0) / acknowledgedBeats.length;
    expect(m.body.heartbeat.avg_db_ops_per_heartbeat).toBeCloseTo(clientAvg, 2);
    expect(m.body.heartbeat.p99_duration_ms).toBeGreaterThanOrEqual(m.body.heartbeat.p50_duration_ms);
    expect(m.body.config_cache.total_misses).toBeGreaterThan(0); // the first beat of the day read the settings; later beats need none
    expect(m.body.uptime_seconds).toBeGreaterThanOrEqual(0);
    const prom = await request(cluster.metricsUrl, 'GET', '');
    expect(prom.headers['content-type']).toMatch(/^text\/plain/);
    const families = parsePrometheus(prom.body as string);
    const hb = families.find((f) => f.name === 'vtime_heartbeat_duration_seconds');
    expect(hb?.type).toBe('HISTOGRAM');
    expect(Number(hb?.metrics[0].count)).toBe(acknowledgedBeats.length);
    expect(families.map((f) => f.name)).toEqual(expect.arrayContaining(['vtime_db_round_trips_total', 'vtime_config_cache_hits_total', 'vtime_worker_pool_threads', 'vtime_event_loop_delay_p99_seconds', 'vtime_db_pool_connections']));
  });

  it('a killed process loses no acknowledged heartbeat and is replaced', async () => {
    const original = new Set(acknowledgedBeats.map((a) => a.servedBy));
    const acked = new Map<string, number>();
    let running = true;
    const viewer = async (kid: string) => {
      let sid: string | undefined;
      for (let seq = 1; running && seq < 400; seq++) {
        try {
          const a = await beat({ profile_id: kid, session_id: sid, seq });
          if (a.status === 200) { sid = a.body.session_id; acked.set(sid!, seq); }
        } catch { /* the process died under this request: not acknowledged, the player retries */ }
        await sleep(20);
      }
    };
    const loops = kids.map(viewer);
    await sleep(800);
    const victim = [...original][0];
    process.kill(victim, 'SIGKILL');
    await sleep(1500);
    running = false;
    await Promise.all(loops);
    expect(acked.size).toBeGreaterThanOrEqual(kids.length); // every viewer had beats acknowledged, so the check below checks something
    for (const [sid, seq] of acked) {
      const { rows } = await db.query('select last_seq from viewing_sessions where id = $1', [sid]);
      expect(Number(rows[0].last_seq)).toBeGreaterThanOrEqual(seq);
    }
    let replacement: number | undefined;
    for (let i = 0; i < 100 && !replacement; i++) {
      const a = await request(cluster.url, 'GET', '/health/ready');
      if (!original.has(a.servedBy)) replacement = a.servedBy;
      else await sleep(50);
    }
    expect(replacement).toBeDefined();
    expect(cluster.output.join('')).toContain('service process died; replacing it');
  }, 60_000);

  it('SIGTERM during load answers every in-flight request and exits 0', async () => {
    let inFlight = 0;
    let failures = 0;
    let answered = 0;
    let stopping = false;
    let sigAt = 0;
    const viewer = async (kid: string) => {
      let sid: string | undefined;
      while (!stopping) {
        inFlight++;
        try {
          const a = await beat({ profile_id: kid, session_id: sid });
          sid = a.body.session_id;
          answered++;
        } catch (e) { failures++; console.log('FAILED', String(e), Date.now() - sigAt); } finally { inFlight--; }
      }
    };
    const loops = kids.map(viewer);
    await sleep(500);
    stopping = true; // no new requests from here: the ones on the wire must all be answered
    sigAt = Date.now();
    const code = cluster.stop('SIGTERM');
    await Promise.all(loops);
    const exitCode = await code;
    if (exitCode !== 0 || failures) console.log(cluster.output.join('').split('\n').filter((l) => !l.includes('"msg":"request"') && !l.includes('cache invalidated')).slice(-25).join('\n'));
    expect(failures).toBe(0);
    expect(inFlight).toBe(0);
    expect(answered).toBeGreaterThan(0);
    expect(exitCode).toBe(0);
  }, 60_000);
});
