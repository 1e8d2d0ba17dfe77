// npm run check:scale-out — two hosts behind haproxy against one PostgreSQL, on this machine.
// See --help and docs/operations.md ("Scale-out recipe").
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../src/ops/embedded.ts';
import { httpClient, inNamespace, sleep, waitFor, type Proc } from './lib/hosts.ts';

const HELP = `npm run check:scale-out [-- options]     several hosts, one database, a load balancer

Builds three test hosts inside this machine as network namespaces joined by a bridge (iproute2,
veth): "db" runs an embedded PostgreSQL, hosts "a" and "b" each run the service cluster
(node src/main.ts, CLUSTER_WORKERS=2) against it. haproxy (Debian package) listens on 127.0.0.1
and balances over a and b with health checks on /health/ready. The check then:
  1. changes a child's limit through host a and times how soon host b's next answer honours it (< 1 s);
  2. asks /api/v1/admin/metrics through haproxy for all 4 processes reporting;
  3. drives heartbeats through haproxy, kill -9s host a's whole cluster under load, and checks that
     haproxy moves the load to b and that no acknowledged credit is lost (each child's balance in
     the database against the last answer it was acknowledged).
It prints requests, failed during the host kill, recovery seconds and credit lost, exits 0 when
every check holds, 1 when one fails, 2 when it cannot run (not root, no ip or haproxy). Namespaces,
veths, the bridge and every process it started are removed at the end, also on failure or Ctrl-C.

Needs root (network namespaces), iproute2 and haproxy (apt-get install haproxy).

Options
  --viewers N      children beating through haproxy (default 40)
  --interval MS    time between one child's beats (default 1000: a beat credits the seconds since
                   the last one, rounded, so much shorter intervals credit nothing to check)
  --before S       seconds of load before the kill (default 4)
  --after S        seconds of load after it (default 8)
  --subnet A.B.C   the /24 of the test hosts (default 10.214.0; must be unused on this machine)
  -h, --help       this text`;

const NS = { db: 'vt14-db', a: 'vt14-a', b: 'vt14-b' } as const;
const BRIDGE = 'vt14br';
const DB_PORT_LINE = 'scale-out db port ';
const log = (m: string) => console.log(`[scale-out ${new Date().toISOString().slice(11, 19)}] ${m}`);

function sh(cmd: string, args: string[], quiet = false): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !quiet) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.status === 0;
}

/** Removes what a run (this one, or an interrupted earlier one) left: namespaces first, then the bridge. */
function teardownNetwork(): void {
  for (const ns of Object.values(NS)) sh('ip', ['netns', 'del', ns], true);
  sh('ip', ['link', 'del', BRIDGE], true);
}

function setupNetwork(subnet: string): Record<keyof typeof NS, string> {
  teardownNetwork();
  const addr = { db: `${subnet}.10`, a: `${subnet}.11`, b: `${subnet}.12` };
  sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', BRIDGE]);
  sh('ip', ['link', 'set', BRIDGE, 'up']);
  for (const [host, ns] of Object.entries(NS) as [keyof typeof NS, string][]) {
    const outer = `vt14-${host}-br`;
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['link', 'set', outer, 'master', BRIDGE, 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${addr[host]}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  return addr;
}

const call = httpClient(32, 5_000);

function haproxyConfig(port: number, addr: { a: string; b: string }, statsPort: number): string {
  return `defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 5s
  # a request that found its server dead (refused, reset before any answer) goes to the other one
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
frontend stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
frontend vtime
  bind 127.0.0.1:${port}
  default_backend hosts
backend hosts
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server inter 250ms fall 2 rise 2
  server a ${addr.a}:8000 check
  server b ${addr.b}:8000 check
`;
}

/** haproxy's view of the two hosts (UP, DOWN, …), from its CSV stats page. */
async function haproxyState(statsPort: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const r = await call(`http://127.0.0.1:${statsPort}`, 'GET', '/stats;csv', { fresh: true });
    for (const line of String(r.body).split('\n')) {
      const f = line.split(',');
      if (f[0] === 'hosts' && (f[1] === 'a' || f[1] === 'b')) out[f[1]] = f[17].split(' ')[0];
    }
  } catch { /* not listening yet */ }
  return out;
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    viewers: { type: 'string', default: '40' }, interval: { type: 'string', default: '1000' }, before: { type: 'string', default: '4' },
    after: { type: 'string', default: '8' }, subnet: { type: 'string', default: '10.214.0' }, help: { type: 'boolean', short: 'h', default: false },
  } });
  if (v.help) { console.log(HELP); return 0; }
  const missing = [process.getuid?.() !== 0 ? 'root (network namespaces)' : '', ...['ip', 'haproxy'].filter((c) => !sh('sh', ['-c', `command -v ${c}`], true))].filter(Boolean);
  if (missing.length) { console.error(`cannot run: needs ${missing.join(', ')} (Debian: apt-get install iproute2 haproxy)`); return 2; }
  if (!/^\d+\.\d+\.\d+$/.test(v.subnet!)) { console.error('--subnet takes three octets, e.g. 10.214.0'); return 2; }
  const opts = { viewers: Number(v.viewers), interval: Number(v.interval), before: Number(v.before) * 1000, after: Number(v.after) * 1000 };

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vtime-scale-out-'));
  chmodSync(tmp, 0o755); // PostgreSQL runs as its own user and must reach its data below
  const procs: Proc[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    call.close();
    for (const p of procs.filter((x) => x.name !== 'db')) try { process.kill(-p.child.pid!, 'SIGKILL'); } catch { /* gone */ }
    const db = procs.find((p) => p.name === 'db');
    if (db && db.child.exitCode === null) {
      process.kill(-db.child.pid!, 'SIGTERM'); // stops PostgreSQL (pg_ctl) and removes its data
      await Promise.race([db.exited, sleep(15_000)]);
    }
    teardownNetwork();
    rmSync(tmp, { recursive: true, force: true });
    log('cleaned up: namespaces, bridge, processes');
  };
  const onSignal = (s: string) => {
    log(`${s}: cleaning up`);
    process.on('uncaughtException', () => {}); // connections dying under the clean-up must not stop it
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  try {
    log(`network: bridge ${BRIDGE} ${v.subnet}.1/24; namespaces ${Object.values(NS).join(', ')}`);
    const addr = setupNetwork(v.subnet!);

    log(`host db (${addr.db}): embedded PostgreSQL`);
    const db = inNamespace('db', NS.db, [process.execPath, import.meta.filename, '--db-host', path.join(tmp, 'db'), addr.db, `${v.subnet}.0/24`]);
    procs.push(db);
    const port = Number(/scale-out db port (\d+)/.exec(await waitFor(db, DB_PORT_LINE, 60_000))![1]);
    const dbUrl = `postgresql://postgres:postgres@${addr.db}:${port}/vtime`;

    const env = {
      DATABASE_URL: dbUrl, PORT: '8000', HOST: '0.0.0.0', CLUSTER_WORKERS: '2', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'test',
      JWT_SECRET: randomBytes(24).toString('hex'), METRICS_PUBLISH_INTERVAL_MS: '500', RETENTION_INTERVAL_MINUTES: '0', BCRYPT_COST: '8',
    };
    const hosts: Record<'a' | 'b', Proc> = {} as never;
    for (const h of ['a', 'b'] as const) {
      mkdirSync(path.join(tmp, h), { recursive: true });
      log(`host ${h} (${addr[h]}): node src/main.ts, 2 service processes`);
      hosts[h] = inNamespace(h, NS[h], [process.execPath, 'src/main.ts'], { env: { ...env, DATA_DIR: path.join(tmp, h) } });
      procs.push(hosts[h]);
      await waitFor(hosts[h], 'vtime is ready', 60_000); // one after the other: the first migrates
    }
    const direct = { a: `http://${addr.a}:8000`, b: `http://${addr.b}:8000` };

    const lbPort = await freePort();
    const statsPort = await freePort();
    writeFileSync(path.join(tmp, 'haproxy.cfg'), haproxyConfig(lbPort, addr, statsPort));
    const lbProc = spawn('haproxy', ['-f', path.join(tmp, 'haproxy.cfg'), '-db'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const lb: Proc = { name: 'haproxy', child: lbProc, output: [], exited: new Promise((r) => lbProc.on('exit', r)) };
    lbProc.stdout!.on('data', (d: Buffer) => lb.output.push(d.toString()));
    lbProc.stderr!.on('data', (d: Buffer) => lb.output.push(d.toString()));
    procs.push(lb);
    const base = `http://127.0.0.1:${lbPort}`;
    for (let i = 0; i < 100; i++) {
      const st = await haproxyState(statsPort);
      if (st.a === 'UP' && st.b === 'UP') break;
      if (i === 99) throw new Error(`haproxy does not see both hosts UP: ${JSON.stringify(st)} ${lb.output.join('')}`);
      await sleep(100);
    }
    log(`haproxy on ${base}: hosts a and b UP (health checks on /health/ready every 250 ms)`);

    // accounts: one household of children, a title, the parent an admin
    const pgc = new pg.Client({ connectionString: dbUrl });
    pgc.on('error', () => {}); // the database stopping under it at a Ctrl-C is not news
    await pgc.connect();
    const email = `scale-out-${randomUUID().slice(0, 8)}@load.vtime.invalid`;
    const token = (await call(direct.a, 'POST', '/api/v1/auth/register', { body: { email, password: 'scale-out password' } })).body.access_token as string;
    await pgc.query('update users set is_admin = true where email = $1', [email]);
    const titleId = randomUUID();
    await pgc.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Scale-Out Stories', 20, 'G', now())`, [titleId]);
    const kids: string[] = [];
    for (let i = 0; i <= opts.viewers; i++) kids.push((await call(base, 'POST', '/api/v1/auth/profiles', { token, body: { name: `Kid ${i}`, is_kids: true } })).body.id);
    if ((await call(direct.a, 'POST', '/api/v1/parental-controls/pin', { token, body: { new_pin: '2468' } })).status !== 200) throw new Error('setting the PIN failed');
    const beatBody = (kid: string, session?: string) => ({ profile_id: kid, title_id: titleId, device_id: `tv-${kid.slice(0, 6)}`, ...(session ? { session_id: session } : {}) });
    const failures: string[] = [];

    // 1. a settings change through host a, seen by host b's next answer
    const probeKid = kids.pop()!;
    let session = (await call(direct.b, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: beatBody(probeKid) })).body.session_id;
    for (let i = 0; i < 5; i++) session = (await call(direct.b, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: beatBody(probeKid, session), fresh: true })).body.session_id;
    const put = await call(direct.a, 'PUT', `/api/v1/parental-controls/profiles/${probeKid}/viewing-time`, { token, body: { weekday_limit_minutes: 15, weekend_limit_minutes: 15, pin: '2468' } });
    if (put.status !== 200) throw new Error(`PUT settings through a answered ${put.status} ${JSON.stringify(put.body)}`);
    const putAt = performance.now();
    const next = await call(direct.b, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: beatBody(probeKid, session), fresh: true });
    const seenMs = performance.now() - putAt;
    const honoured = next.status === 200 && next.body.remaining_seconds !== null && next.body.remaining_seconds <= 15 * 60;
    log(`1. limit set to 15 min through host a; host b's next answer: remaining ${next.body.remaining_seconds} s, ${seenMs.toFixed(0)} ms after a answered`);
    if (!honoured || seenMs >= 1000) failures.push(`host b's next answer did not honour the change within 1 s (${seenMs.toFixed(0)} ms, ${JSON.stringify(next.body)})`);

    // 2. every process of both hosts reports
    let reporting = 0;
    for (let i = 0; i < 40 && reporting !== 4; i++) {
      reporting = (await call(base, 'GET', '/api/v1/admin/metrics', { token })).body.processes_reporting;
      if (reporting !== 4) await sleep(250);
    }
    log(`2. /api/v1/admin/metrics through haproxy: processes_reporting ${reporting}`);
    if (reporting !== 4) failures.push(`processes_reporting is ${reporting}, not 4`);

    // 3. load through haproxy; kill -9 host a's whole cluster under it
    const hostOf = new Map<number, 'a' | 'b'>();
    for (const h of ['a', 'b'] as const) for (let i = 0; i < 12; i++) hostOf.set((await call(direct[h], 'GET', '/health/ready', { fresh: true })).servedBy, h);
    const acked = new Map<string, number>(); // kid → remaining_seconds of its last acknowledged beat
    const stats = { requests: 0, failed: 0, failedAfterKill: 0, lastFailureAt: 0, fromAAfterDown: 0, servedBy: { a: 0, b: 0 } as Record<'a' | 'b', number> };
    let running = true;
    let killedAt = 0;
    let downAt = 0;
    const viewer = async (kid: string) => {
      let sid: string | undefined;
      let seq = 0;
      while (running) {
        stats.requests++;
        const t = performance.now();
        try {
          const a = await call(base, 'POST', '/api/v1/viewing-time/heartbeat', { token, body: { ...beatBody(kid, sid), seq: ++seq } });
          if (a.status !== 200) throw new Error(`status ${a.status}`);
          sid = a.body.session_id;
          acked.set(kid, a.body.remaining_seconds);
          const h = hostOf.get(a.servedBy);
          if (h) stats.servedBy[h]++;
          if (h === 'a' && downAt && t > downAt) stats.fromAAfterDown++;
        } catch {
          stats.failed++;
          if (killedAt && t >= killedAt) { stats.failedAfterKill++; stats.lastFailureAt = performance.now(); }
        }
        await sleep(opts.interval);
      }
    };
    log(`3. ${kids.length} children beating every ${opts.interval} ms through haproxy`);
    const loops = kids.map(viewer);
    await sleep(opts.before);
    const beforeKill = { ...stats.servedBy };
    killedAt = performance.now();
    process.kill(-hosts.a.child.pid!, 'SIGKILL');
    log(`   kill -9 of host a's whole cluster (process group ${hosts.a.child.pid}) after ${stats.requests} requests (a served ${beforeKill.a}, b ${beforeKill.b})`);
    while ((await haproxyState(statsPort)).a === 'UP' && performance.now() - killedAt < 10_000) await sleep(20);
    downAt = performance.now();
    log(`   haproxy marked host a DOWN ${((downAt - killedAt) / 1000).toFixed(2)} s after the kill`);
    await sleep(opts.after);
    running = false;
    await Promise.all(loops);
    const recoveryS = (Math.max(downAt, stats.lastFailureAt) - killedAt) / 1000;
    const afterKill = { a: stats.servedBy.a - beforeKill.a, b: stats.servedBy.b - beforeKill.b };

    let lost = 0;
    let lostKids = 0;
    const { rows: [credit] } = await pgc.query('select coalesce(sum(used_seconds), 0)::int as s from viewing_time_balances where profile_id = any($1)', [kids]);
    for (const [kid, remaining] of acked) {
      const { rows } = await pgc.query(
        `select limit_minutes * 60 + bonus_seconds - used_seconds as remaining from viewing_time_balances where profile_id = $1 and now() >= day_start and now() < day_end`, [kid]);
      const dbRemaining = rows.length ? Number(rows[0].remaining) : Infinity;
      if (dbRemaining > remaining) { lost += dbRemaining - remaining; lostKids++; }
    }
    await pgc.end();
    if (credit.s < kids.length * 2) failures.push(`only ${credit.s} s of viewing were credited: the credit check checked too little`);
    if (acked.size !== kids.length) failures.push(`only ${acked.size} of ${kids.length} children had a beat acknowledged`);
    if (lost > 0) failures.push(`${lost} s of acknowledged credit lost over ${lostKids} children`);
    if (afterKill.b === 0) failures.push('host b served nothing after the kill');
    if (stats.fromAAfterDown > 0) failures.push(`${stats.fromAAfterDown} answers came from host a after haproxy marked it down`);
    if (recoveryS > 5) failures.push(`recovery took ${recoveryS.toFixed(2)} s (more than 5)`);

    console.log(`
scale-out figures
  requests through haproxy       ${stats.requests} (${stats.failed} failed in all)
  failed during the host kill    ${stats.failedAfterKill}
  recovery                       ${recoveryS.toFixed(2)} s (kill -9 to host a DOWN in haproxy and the last failed request)
  served after the kill          host b ${afterKill.b}, host a ${afterKill.a} (in flight at the kill, or before haproxy noticed)
  credit lost                    ${lost} s (${acked.size} children, ${credit.s} s credited: database balance against the last acknowledged answer)
  settings change a → b          ${seenMs.toFixed(0)} ms
  processes reporting            ${reporting}
${failures.length ? `FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : 'all checks passed'}`);
    return failures.length ? 1 : 0;
  } catch (e) {
    console.error(`scale-out check could not complete: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

// ---- internal mode: the PostgreSQL of host "db" (run inside its namespace by the check)
if (process.argv[2] === '--db-host') {
  const [dir, address, clients] = process.argv.slice(3);
  const db = await startEmbeddedPostgres({ dataDir: dir, database: 'vtime', persistent: false, listen: { address, clients } });
  console.log(`${DB_PORT_LINE}${db.port}`);
  const stop = () => void db.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setInterval(() => {}, 60_000);
} else {
  process.exitCode = await main();
}
