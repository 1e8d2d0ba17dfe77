// The SRE's files checked against the service: promtool checks the alert rules (and their unit
// tests) and the Prometheus text of a running cluster; the Grafana dashboard and the rules name
// only metrics the service exports. Without promtool these tests fail and say how to install it
// (CI's .ci/run installs it): a skipped check would pass unseen.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { dropDatabase, ownDatabase, request, startCluster, type RunningCluster } from '../cluster-harness.ts';
import { uniqueEmail } from '../harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
// Prometheus text lives on its own listener (METRICS_PORT, loopback), never on the public port
const metricsUrl = (c: RunningCluster) => c.metricsUrl;

function promtool(args: string[], input?: string): { code: number | null; out: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: path.join(ROOT, 'docs/prometheus'), input, encoding: 'utf8', timeout: 30_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`promtool not found: install prometheus (Debian: apt-get install prometheus), or set PROMTOOL to its path`);
  }
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Metric names in PromQL expressions (Prometheus's own `up` aside). */
const namesIn = (exprs: string[]) => new Set(exprs.flatMap((e) => [...e.matchAll(/\b(vtime_[a-z0-9_]+)/g)].map((m) => m[1])));

function dashboardExprs(): string[] {
  const d = JSON.parse(readFileSync(path.join(ROOT, 'docs/grafana/vtime.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

const alertExprs = () => [...readFileSync(path.join(ROOT, 'docs/prometheus/alerts.yml'), 'utf8').matchAll(/expr: \|?\n?([\s\S]*?)\n\s+for:/g)].map((m) => m[1]);

describe('alert rules', () => {
  it('pass promtool check rules and their promtool unit tests', () => {
    const check = promtool(['check', 'rules', 'alerts.yml']);
    expect(check.out).toContain('SUCCESS: 9 rules found');
    expect(check.code).toBe(0);
    const test = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(test.out).toContain('SUCCESS');
    expect(test.code).toBe(0);
  });

  it('have runbook notes in docs/operations.md', () => {
    const ops = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
    const anchors = [...readFileSync(path.join(ROOT, 'docs/prometheus/alerts.yml'), 'utf8').matchAll(/runbook: "docs\/operations\.md#([a-z0-9-]+)"/g)].map((m) => m[1]);
    expect(anchors.length).toBe(9);
    const headings = [...ops.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ /g, '-'));
    for (const a of anchors) expect(headings).toContain(a);
  });
});

describe('the metrics of a running cluster', () => {
  let cluster: RunningCluster;
  let text = '';

  beforeAll(async () => {
    const url = await ownDatabase('vtime_obs');
    cluster = await startCluster(url);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const titleId = randomUUID();
    await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Metrics Mysteries', 20, 'G', now())`, [titleId]);
    await db.end();
    const token = (await request(cluster.url, 'POST', '/api/v1/auth/register', { body: { email: uniqueEmail('obs'), password: 'metrics password' } })).body.access_token;
    const kid = (await request(cluster.url, 'POST', '/api/v1/auth/profiles', { token, body: { name: 'Kid', is_kids: true } })).body.id;
    let session: string | undefined;
    for (let i = 0; i < 10; i++) {
      const a = await request(cluster.url, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { profile_id: kid, title_id: titleId, device_id: 'tv', ...(session ? { session_id: session } : {}) } });
      session = a.body.session_id;
    }
    await request(cluster.url, 'GET', '/api/v1/auth/me'); // a 401 for the error panels
    for (let i = 0; i < 50 && !/^vtime_processes_reporting 2$/m.test(text); i++) {
      await new Promise((r) => setTimeout(r, 200));
      text = (await request(metricsUrl(cluster), 'GET', '')).body as string;
    }
    text = (await request(metricsUrl(cluster), 'GET', '')).body as string;
  }, 60_000);

  afterAll(async () => {
    if (cluster && cluster.child.exitCode === null) await cluster.stop('SIGKILL');
    if (cluster) await dropDatabase(cluster.dbUrl);
  });

  it('pass promtool check metrics, with both processes reporting and the database up', () => {
    expect(text).toMatch(/^vtime_processes_reporting 2$/m);
    expect(text).toMatch(/^vtime_database_up 1$/m);
    expect(text).toMatch(/^vtime_db_primary_processes\{address="[^"]+"\} 2$/m); // both processes reached one primary
    const r = promtool(['check', 'metrics'], text);
    expect(r.out.trim()).toBe('');
    expect(r.code).toBe(0);
  });

  it('are not served on the public port', async () => {
    const r = await request(cluster.url, 'GET', '/metrics');
    expect([r.status, r.body.code]).toEqual([404, 'route_not_found']);
    expect(String(r.body)).not.toMatch(/vtime_/);
  });

  it('hold every metric the dashboard and the alert rules query', () => {
    const exported = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(m[1]);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) exported.add(m[1] + s);
    }
    const dashboard = namesIn(dashboardExprs());
    const alerts = namesIn(alertExprs());
    expect(dashboard.size).toBeGreaterThan(10);
    expect(alerts.size).toBeGreaterThan(4);
    expect([...dashboard, ...alerts].filter((n) => !exported.has(n))).toEqual([]);
  });
});
