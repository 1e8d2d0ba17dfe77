// `npm start` as a new user runs it: embedded PostgreSQL under DATA_DIR, demo data, a cluster of 2.
// Ctrl-C at a terminal signals the whole foreground process group; these tests do the same
// (detached: the child leads a group of its own, and process.kill(-pid) signals all of it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/ops/embedded.ts';
import { alive } from '../../src/ops/instance.ts';
import { client } from '../harness.ts';

interface Started { child: ChildProcess; url: string; lines: string[]; exited: Promise<number | null> }

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vtime-start-'));
let port = 0;
const running: ChildProcess[] = [];

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', CLUSTER_WORKERS: '2', NODE_ENV: 'development',
    LOG_LEVEL: 'info', RETENTION_INTERVAL_MINUTES: '0' }; // the default bcrypt cost, as a new user's start has it
  for (const k of Object.keys(e)) if (k === 'DATABASE_URL' || k.startsWith('VTIME_')) delete e[k];
  return e;
}

function launch(): Started {
  const child = spawn(process.execPath, ['src/main.ts'], { env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  const lines: string[] = [];
  const collect = (d: Buffer) => lines.push(...d.toString().split('\n').filter((l) => l.trim()));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, lines, exited };
}

async function start(): Promise<Started> {
  const s = launch();
  const deadline = Date.now() + 45_000;
  while (!s.lines.some((l) => l.includes('vtime is ready'))) {
    if (s.child.exitCode !== null || Date.now() > deadline) throw new Error(`not ready (exit ${s.child.exitCode}):\n${s.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return s;
}

const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Warnings and errors: pino levels 40+ in JSON lines, or any other line that says so. */
const complaints = (lines: string[]) => lines.filter((l) => {
  try {
    return (JSON.parse(l) as { level: number }).level >= 40;
  } catch {
    return /warn|error|undefined/i.test(l);
  }
});

beforeAll(async () => { port = await freePort(); });
afterAll(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
  try { process.kill(postmasterPid(), 'SIGKILL'); } catch { /* gone */ }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on a fresh data directory', () => {
  let first: Started;

  it('starts an embedded database, seeds demo data and serves / and /docs', async () => {
    first = await start();
    const api = client(first.url);
    const home = await api('GET', '/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    for (const href of ['/docs', '/health/ready']) expect(home.text).toContain(`href="${href}"`);
    const docs = await api('GET', '/docs');
    expect(docs.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const bundle = await fetch(`${first.url}/docs/assets/swagger-ui-bundle.js`); // not through client(): minified code looks like a stack trace
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'application/javascript; charset=utf-8']);
    await bundle.arrayBuffer();
    expect((await api('GET', '/docs/assets/package.json')).status).toBe(404);
    const spec = (await api('GET', '/api/v1/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).not.toContain('/docs/assets/{name}');
  }, 60_000);

  it("the demo parent's weekly report for the current week shows every seeded day so far", async () => {
    const logins = JSON.parse(readFileSync(path.join(dataDir, 'demo-logins.json'), 'utf8')) as { parent: { email: string; password: string } };
    const api = client(first.url);
    const login = await api('POST', '/api/v1/auth/login', { body: { email: logins.parent.email, password: logins.parent.password } });
    expect(login.status).toBe(200);
    const report = await api('GET', '/api/v1/parental-controls/weekly-report', { token: login.body.access_token });
    expect(report.status).toBe(200);
    const kids = report.body.profiles as { profile_name: string; days_elapsed: number; daily_totals: { date: string; minutes: number }[] }[];
    expect(kids.map((k) => k.profile_name).sort()).toEqual(['Leo', 'Mia']);
    for (const kid of kids) {
      // every elapsed day of this week has viewing, today too once there was time for a session
      // since the 06:00 reset (Berlin): the seed puts today's before now
      const elapsed = kid.daily_totals.slice(0, kid.days_elapsed);
      const berlinHour = Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: 'Europe/Berlin' }).format(new Date()));
      const todayMayBeEmpty = berlinHour < 7;
      expect(elapsed.length).toBeGreaterThan(0);
      const empty = elapsed.filter((d) => d.minutes === 0).map((d) => d.date);
      expect(empty).toEqual(todayMayBeEmpty ? empty.filter((d) => d === elapsed[elapsed.length - 1].date) : []);
    }
    // one demo child has a bedtime
    const leo = (await api('GET', '/api/v1/auth/profiles', { token: login.body.access_token })).body.find((p: { name: string }) => p.name === 'Leo');
    const settings = await api('GET', `/api/v1/parental-controls/profiles/${leo.id}/viewing-time`, { token: login.body.access_token });
    expect(settings.body.allowed_hours).toEqual({ weekdays: [{ from: '07:00', to: '21:00' }], weekends: [{ from: '08:00', to: '21:30' }] });
    // Mia is waiting for an answer to "ask for more time"; Leo's request of yesterday was approved, with its grant
    const mia = kids.find((k) => k.profile_name === 'Mia') as unknown as { profile_id: string };
    const pending = await api('GET', '/api/v1/parental-controls/requests?status=pending', { token: login.body.access_token });
    expect(pending.body.items).toEqual([expect.objectContaining({ profile_id: mia.profile_id, minutes: 30, status: 'pending' })]);
    const grants = await api('GET', `/api/v1/parental-controls/profiles/${leo.id}/viewing-time/grants`, { token: login.body.access_token });
    expect(grants.body.items).toEqual([expect.objectContaining({ minutes: 15, request_id: expect.any(String) })]);
  }, 30_000);

  it('a second start on the same data directory exits 1 with one line naming the running one', async () => {
    const second = launch();
    expect(await second.exited).toBe(1);
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatch(new RegExp(`already running on .*: pid ${first.child.pid}, http://localhost:${port}`));
  }, 30_000);

  it('Ctrl-C (SIGINT to the process group) drains, then stops the database, within 10 s and without a warning', async () => {
    const pg = postmasterPid();
    const before = first.lines.length;
    const t0 = Date.now();
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await first.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(alive(pg, 'postgres')).toBe(false);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    const after = first.lines.slice(before);
    expect(complaints(after)).toEqual([]);
    // the service processes finished before the primary stopped the database
    const stopped = after.map((l, i) => [l, i] as const).filter(([l]) => l.includes('"msg":"stopped"'));
    expect(stopped).toHaveLength(3);
    expect(stopped[2][0]).toContain('"role":"primary"');
  }, 30_000);

  it('recovers after kill -9: of the service processes (the database left running) and then of the database too', async () => {
    const killed = await start();
    const orphan = postmasterPid();
    process.kill(-killed.child.pid!, 'SIGKILL'); // the node processes; the database is in a session of its own
    await killed.exited;
    expect(alive(orphan, 'postgres')).toBe(true);
    const again = await start();
    expect(alive(orphan, 'postgres')).toBe(false);
    process.kill(-again.child.pid!, 'SIGKILL');
    process.kill(postmasterPid(), 'SIGKILL'); // a stale postmaster.pid is left behind
    await again.exited;
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);
    const third = await start();
    expect((await client(third.url)('GET', '/health/ready')).status).toBe(200);
    process.kill(-third.child.pid!, 'SIGINT');
    expect(await third.exited).toBe(0);
    expect(complaints(third.lines.filter((l) => !l.includes('left running')))).toEqual([]);
  }, 120_000);
});
