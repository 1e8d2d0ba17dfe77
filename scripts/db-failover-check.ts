// npm run check:db-failover — a highly available PostgreSQL (Patroni, etcd, haproxy) losing a host under load.
// See --help and docs/operations.md ("Database failover recipe").
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import pg from 'pg';
import * as sql from '../load-tests/lib/seed-sql.ts';
import { httpClient, inNamespace, sleep, waitFor, type Answer, type Proc } from './lib/hosts.ts';
import { TokenService } from '../src/domain/accounts/tokens.ts';
import { minutes } from '../src/domain/viewing-time/rules.ts';

const HELP = `npm run check:db-failover [-- options]     the database loses a host under load

Builds five test hosts inside this machine as network namespaces joined by a bridge (iproute2, veth):
  db1, db2, db3   each runs etcd (Debian etcd-server 3.4), Patroni (Debian patroni 3.0.2) and
                  PostgreSQL 15 as the postgres user: one primary, a synchronous standby, a replica
  s1, s2          each runs haproxy (TCP, 127.0.0.1:6432 → the primary, found by Patroni's REST
                  GET /primary on port 8008) and the service (node src/main.ts, CLUSTER_WORKERS=1)
                  with DATABASE_URL through that haproxy
Patroni runs with synchronous_mode and synchronous_mode_strict (an acknowledged commit is on two
hosts), ttl 20 s, loop_wait 1 s, retry_timeout 3 s (loop_wait + 2 x retry_timeout <= ttl); haproxy
checks every 1 s, a server is down after 2 failed checks and up after 1 (on-marked-down
shutdown-sessions). The check prints the values it uses.

A load runs from this machine against both service hosts: --viewers kids in households of four,
each beating (POST /api/v1/viewing-time/heartbeat) every --cadence seconds (half with seq, half
without, as old apps) and polling its balance every 2 x cadence, spread evenly; a parent grants 15
minutes now and then, and kids ask for time, each with an Idempotency-Key and retried with the same
key until answered. Every acknowledged answer is recorded.

Faults, each under the load: (1) the primary's whole host is lost: its link cut (veth down), then
kill -9 of every process in its namespace; (2) the synchronous standby's host is lost; (3) the etcd
leader's host is lost. Without --all only (1) runs; with --all the three in turn, each after the lost
host was restored (link up, etcd and Patroni started again: it rejoins as a replica) and the cluster
is back to three members with a synchronous standby.

Per fault it reports, and fails (exit 1, naming which) unless:
  write outage                longest time with no heartbeat acknowledged anywhere
  recovery                    heartbeats acknowledged again within 30 s of the fault
  5xx other than 503          0 (503 is the service's honest "database unavailable")
  acknowledged credit missing 0 s (each kid's last acknowledged used_minutes <= the database's)
  counted twice               0 (credit above the wall-clock time viewed; a grant ledger row or a
                              time request repeated for one Idempotency-Key)
  acknowledged grants/requests missing   0
  failed heartbeats in a row  < 3 for every viewer; failed balance polls in a row < 2
                              (at --cadence below 30 both limits grow by 30/cadence: the outage
                              then spans more beats)
Exit codes: 0 every check holds, 1 a check failed, 2 cannot run (not root; no ip, haproxy, etcd,
patroni or PostgreSQL 15: apt-get install iproute2 haproxy etcd-server patroni postgresql-15).
Namespaces, veths, the bridge, every process and the temporary directory are removed at the end,
also on failure or Ctrl-C.

Options
  --all            the three faults in turn (default: the primary's host only)
  --viewers N      kids beating (default 200)
  --cadence S      seconds between one kid's heartbeats (default 30, as the apps; balance polls
                   every 2 x S). A shorter one makes a quicker smoke
  --before S       seconds of load before a fault (default 1.5 x cadence)
  --after S        seconds of load after it (default 3 x cadence, at least 40)
  --subnet A.B.C   the /24 of the test hosts (default 10.216.0; must be unused on this machine)
  -h, --help       this text
Environment: VTIME_FAILOVER_LOGS=DIR keeps every process's output (etcd, Patroni and PostgreSQL,
haproxy, the services) in DIR when the run ends.`;

const DBS = ['db1', 'db2', 'db3'] as const;
const SVCS = ['s1', 's2'] as const;
type Host = (typeof DBS)[number] | (typeof SVCS)[number];
const HOSTS: Host[] = [...DBS, ...SVCS];
const ns = (h: Host) => `vtfo-${h}`;
const outer = (h: Host) => `vtfo-${h}-br`;
const BRIDGE = 'vtfobr';
const OCTET: Record<Host, number> = { db1: 21, db2: 22, db3: 23, s1: 31, s2: 32 };
const HAPROXY_PORT = 6432;
const SERVICE_PORT = 8000;
const SCOPE = 'vtime-failover-check';
const PATRONI = { ttl: 20, loop_wait: 1, retry_timeout: 3 };
const PIN = '2468';
const KIDS_PER_HOUSEHOLD = 4;

const t0 = Date.now();
const log = (m: string) => console.log(`[db-failover ${new Date().toISOString().slice(11, 19)} +${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);

function sh(cmd: string, args: string[], quiet = false): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !quiet) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

/** kill -9 of every process in a namespace (ip netns pids), as a lost host. */
function killNamespace(h: Host): number {
  const pids = sh('ip', ['netns', 'pids', ns(h)], true).out.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  return pids.length;
}

/** Removes what a run (this one, or an interrupted earlier one) left: processes, namespaces, then the bridge. */
function teardownNetwork(): void {
  for (const h of HOSTS) {
    if (!sh('ip', ['netns', 'pids', ns(h)], true).ok) continue;
    for (let i = 0; i < 3 && killNamespace(h) > 0; i++) spawnSync('sleep', ['0.2']);
    sh('ip', ['netns', 'del', ns(h)], true);
  }
  for (const h of HOSTS) sh('ip', ['link', 'del', outer(h)], true);
  sh('ip', ['link', 'del', BRIDGE], true);
}

function setupNetwork(subnet: string): Record<Host, string> {
  teardownNetwork();
  const addr = Object.fromEntries(HOSTS.map((h) => [h, `${subnet}.${OCTET[h]}`])) as Record<Host, string>;
  sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', BRIDGE]);
  sh('ip', ['link', 'set', BRIDGE, 'up']);
  for (const h of HOSTS) {
    sh('ip', ['netns', 'add', ns(h)]);
    sh('ip', ['link', 'add', outer(h), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(h)]);
    sh('ip', ['link', 'set', outer(h), 'master', BRIDGE, 'up']);
    sh('ip', ['-n', ns(h), 'addr', 'add', `${addr[h]}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', ns(h), 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', ns(h), 'link', 'set', 'lo', 'up']);
  }
  return addr;
}

/** A process on one of the check's hosts, its last 400 output chunks kept. */
const onHost = (name: string, h: Host, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Proc => inNamespace(name, ns(h), args, { env, cwd, keep: 400 });

// ---- HTTP: the load's client, and the Patroni and etcd APIs

const call = httpClient(64, 10_000);

interface Member { name: string; role: string; state: string; lag?: number | string; timeline?: number }

/** The cluster as Patroni sees it (GET /cluster from the first member that answers), or null. */
async function patroniCluster(addr: Record<Host, string>, skip?: Host): Promise<Member[] | null> {
  for (const h of DBS) {
    if (h === skip) continue;
    try {
      const r = await call(`http://${addr[h]}:8008`, 'GET', '/cluster', { fresh: true, timeoutMs: 1000 });
      if (r.status === 200 && Array.isArray(r.body?.members)) return r.body.members as Member[];
    } catch { /* that host is down */ }
  }
  return null;
}

const describe = (m: Member[] | null) => (m ? m.map((x) => `${x.name} ${x.role} ${x.state}`).join(', ') : 'no member answers');
const healthy = (m: Member[] | null) => !!m && m.length === 3 && m.some((x) => x.role === 'leader' && x.state === 'running')
  && m.some((x) => x.role === 'sync_standby' && ['streaming', 'running'].includes(x.state)) && m.every((x) => ['streaming', 'running'].includes(x.state));

/** The host whose etcd member leads (POST /v3/maintenance/status on each). */
async function etcdLeader(addr: Record<Host, string>): Promise<Host | null> {
  for (const h of DBS) {
    try {
      const r = await call(`http://${addr[h]}:2379`, 'POST', '/v3/maintenance/status', { body: {}, fresh: true, timeoutMs: 1000 });
      if (r.status === 200 && r.body?.leader && r.body.leader === r.body.header?.member_id) return h;
    } catch { /* down */ }
  }
  return null;
}

/**
 * Moves etcd's leadership to `to` (POST /v3/maintenance/transfer-leadership on the leader), so that
 * the primary's host and the etcd leader's are lost one at a time (etcd runs on hosts of its own in the recipe).
 */
async function moveEtcdLeader(addr: Record<Host, string>, from: Host, to: Host): Promise<boolean> {
  const list = await call(`http://${addr[from]}:2379`, 'POST', '/v3/cluster/member/list', { body: {}, fresh: true, timeoutMs: 2000 });
  const target = (list.body?.members as { ID: string; name: string }[] | undefined)?.find((m) => m.name === to);
  if (!target) return false;
  const r = await call(`http://${addr[from]}:2379`, 'POST', '/v3/maintenance/transfer-leadership', { body: { targetID: target.ID }, fresh: true, timeoutMs: 5000 });
  for (let i = 0; i < 20 && r.status === 200; i++) {
    if ((await etcdLeader(addr)) === to) return true;
    await sleep(250);
  }
  return false;
}

// ---- configurations

function patroniConfig(h: Host, addr: Record<Host, string>, dir: string, subnet: string, pw: { superuser: string; replication: string }): string {
  const etcdHosts = DBS.map((d) => `${addr[d]}:2379`);
  // JSON is YAML: Patroni reads this as its YAML configuration
  return JSON.stringify({
    scope: SCOPE, namespace: '/vtime-check/', name: h,
    log: { level: 'INFO', format: '%(asctime)s %(levelname)s: %(message)s' },
    restapi: { listen: `${addr[h]}:8008`, connect_address: `${addr[h]}:8008` },
    etcd3: { hosts: etcdHosts },
    bootstrap: {
      dcs: {
        ...PATRONI, maximum_lag_on_failover: 1_048_576, synchronous_mode: true, synchronous_mode_strict: true,
        postgresql: {
          use_pg_rewind: true, use_slots: true,
          // a lost standby's walsender ends within 5 s (not the default 60), so the primary's
          // Patroni names another synchronous standby and commits that wait on the lost one go on
          parameters: { wal_level: 'replica', hot_standby: 'on', wal_log_hints: 'on', max_wal_senders: 10, max_replication_slots: 10, wal_sender_timeout: '5s', wal_receiver_timeout: '5s',
            // a standby whose primary was lost tries the new one every 0.5 s, not every 5 s: in
            // synchronous_mode_strict the new primary's commits wait for it
            wal_retrieve_retry_interval: '500ms' },
        },
      },
      initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
    },
    postgresql: {
      listen: `${addr[h]}:5432`, connect_address: `${addr[h]}:5432`,
      data_dir: path.join(dir, 'data'), bin_dir: '/usr/lib/postgresql/15/bin', pgpass: path.join(dir, 'pgpass'),
      authentication: { superuser: { username: 'postgres', password: pw.superuser }, replication: { username: 'replicator', password: pw.replication } },
      // not the shared /var/run/postgresql: this machine's own PostgreSQL has its socket there
      parameters: { unix_socket_directories: dir, max_connections: 100, shared_buffers: '64MB' },
      pg_hba: ['local all all trust', `host replication replicator ${subnet}.0/24 scram-sha-256`, `host all all ${subnet}.0/24 scram-sha-256`, 'host all all 127.0.0.1/32 scram-sha-256'],
      remove_data_directory_on_rewind_failure: true, remove_data_directory_on_diverged_timelines: true,
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  }, null, 2);
}

function haproxyConfig(addr: Record<Host, string>): string {
  return `global
  maxconn 1000
defaults
  mode tcp
  timeout connect 1s
  timeout check 1s
  timeout client 30m
  timeout server 30m
listen postgres
  bind 127.0.0.1:${HAPROXY_PORT}
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
${DBS.map((d) => `  server ${d} ${addr[d]}:5432 check port 8008`).join('\n')}
`;
}

// ---- the load

interface Viewer { i: number; profileId: string; token: string; householdToken: string; titleId: string; withSeq: boolean; base: string }
interface Sample { at: number; ok: boolean; status: number }

class Load {
  running = true;
  readonly beats: Sample[] = [];
  readonly polls: Sample[] = [];
  readonly statuses = new Map<number, number>(); // every answer's status (0: no answer), all endpoints
  readonly bad5xx: string[] = []; // the first 5xx answers other than 503, for the report
  readonly acked = new Map<string, { used: number; at: number }>(); // profile → highest used_minutes acknowledged
  readonly firstBeat = new Map<string, number>(); // profile → wall clock of its first beat sent
  readonly beatsSent = new Map<string, number>();
  readonly grants = new Map<string, { profileId: string; grantId?: string; tries: number; refused?: string }>(); // Idempotency-Key → …
  readonly requests = new Map<string, { profileId: string; requestId?: string; tries: number; refused?: string }>();
  readonly runs = { beat: new Map<number, number>(), poll: new Map<number, number>() }; // viewer → failures in a row now
  readonly worst = { beat: new Map<number, number>(), poll: new Map<number, number>() }; // viewer → worst run since the last reset
  readonly loops: Promise<void>[] = [];
  readonly #timeoutMs: number;
  readonly #bases: string[];

  readonly viewers: Viewer[];
  readonly cadenceMs: number;

  constructor(viewers: Viewer[], cadenceMs: number, bases: string[]) {
    this.viewers = viewers;
    this.cadenceMs = cadenceMs;
    this.#timeoutMs = Math.min(10_000, Math.max(3_000, cadenceMs * 0.8));
    this.#bases = bases;
  }

  #note(status: number, what: string): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 500 && status !== 503 && this.bad5xx.length < 20) this.bad5xx.push(`${new Date().toISOString().slice(11, 23)} ${what} → ${status}`);
  }

  #run(kind: 'beat' | 'poll', i: number, ok: boolean): void {
    const n = ok ? 0 : (this.runs[kind].get(i) ?? 0) + 1;
    this.runs[kind].set(i, n);
    if (n > (this.worst[kind].get(i) ?? 0)) this.worst[kind].set(i, n);
  }

  resetWorst(): void {
    for (const k of ['beat', 'poll'] as const) { this.worst[k].clear(); for (const [i, n] of this.runs[k]) this.worst[k].set(i, n); }
  }

  start(): void {
    const n = this.viewers.length;
    for (const v of this.viewers) {
      this.loops.push(this.#every(this.cadenceMs, (this.cadenceMs * v.i) / n, () => this.#beat(v)));
      this.loops.push(this.#every(this.cadenceMs * 2, (this.cadenceMs * 2 * ((v.i + n / 2) % n)) / n, () => this.#poll(v)));
    }
  }

  /** Runs fn every `ms` from `offset`, on the wall clock (a slow answer does not delay the next one). */
  async #every(ms: number, offset: number, fn: () => Promise<void>): Promise<void> {
    const begin = performance.now() + offset;
    const pending: Promise<void>[] = [];
    for (let k = 0; this.running; k++) {
      const wait = begin + k * ms - performance.now();
      if (wait > 0) await this.#sleepWhileRunning(wait);
      if (!this.running) break;
      const p = fn();
      pending.push(p);
      void p.finally(() => pending.splice(pending.indexOf(p), 1));
    }
    await Promise.all(pending);
  }

  async #sleepWhileRunning(ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (this.running && performance.now() < end) await sleep(Math.max(1, Math.min(250, end - performance.now())));
  }

  #sessions = new Map<number, string>();
  #seqs = new Map<number, number>();

  async #beat(v: Viewer): Promise<void> {
    const seq = (this.#seqs.get(v.i) ?? 0) + 1;
    this.#seqs.set(v.i, seq);
    if (!this.firstBeat.has(v.profileId)) this.firstBeat.set(v.profileId, Date.now());
    this.beatsSent.set(v.profileId, (this.beatsSent.get(v.profileId) ?? 0) + 1);
    const body = { profile_id: v.profileId, title_id: v.titleId, device_id: `tv-${v.i}`, device_type: 'tv', ...(this.#sessions.has(v.i) ? { session_id: this.#sessions.get(v.i) } : {}), ...(v.withSeq ? { seq } : {}) };
    let status = 0;
    try {
      const a = await call(v.base, 'POST', '/api/v1/viewing-time/heartbeat', { token: v.token, body, timeoutMs: this.#timeoutMs });
      status = a.status;
      if (a.status === 200) {
        this.#sessions.set(v.i, a.body.session_id);
        const prev = this.acked.get(v.profileId);
        if (!prev || a.body.used_minutes >= prev.used) this.acked.set(v.profileId, { used: a.body.used_minutes, at: Date.now() });
      }
    } catch { /* no answer */ }
    this.#note(status, 'heartbeat');
    this.beats.push({ at: performance.now(), ok: status === 200, status });
    this.#run('beat', v.i, status === 200);
  }

  async #poll(v: Viewer): Promise<void> {
    let status = 0;
    try {
      status = (await call(v.base, 'GET', `/api/v1/viewing-time/balance/${v.profileId}`, { token: v.token, timeoutMs: this.#timeoutMs })).status;
    } catch { /* no answer */ }
    this.#note(status, 'balance');
    this.polls.push({ at: performance.now(), ok: status === 200, status });
    this.#run('poll', v.i, status === 200);
  }

  /** A change with an Idempotency-Key, sent again with the same key until answered (or 60 s), alternately through both hosts. */
  async #idempotent(kind: 'grant' | 'request', v: Viewer): Promise<void> {
    const key = randomUUID();
    const rec = { profileId: v.profileId, tries: 0 } as { profileId: string; grantId?: string; requestId?: string; tries: number; refused?: string };
    (kind === 'grant' ? this.grants : this.requests).set(key, rec);
    const deadline = performance.now() + 60_000;
    while (performance.now() < deadline) {
      const base = this.#bases[rec.tries % this.#bases.length];
      rec.tries++;
      let a: Answer | null = null;
      try {
        a = kind === 'grant'
          ? await call(base, 'POST', `/api/v1/parental-controls/profiles/${v.profileId}/viewing-time/grant`, { token: v.householdToken, body: { minutes: 15, pin: PIN }, headers: { 'Idempotency-Key': key }, timeoutMs: this.#timeoutMs })
          : await call(base, 'POST', '/api/v1/viewing-time/requests', { token: v.householdToken, body: { profile_id: v.profileId, minutes: 15, message: 'one more episode' }, headers: { 'Idempotency-Key': key }, timeoutMs: this.#timeoutMs });
      } catch { /* no answer */ }
      this.#note(a?.status ?? 0, kind);
      if (a && (a.status === 200 || a.status === 201)) {
        if (kind === 'grant') rec.grantId = a.body.grant_id; else rec.requestId = a.body.id;
        return;
      }
      if (a && a.status >= 400 && a.status < 500 && a.status !== 409 && a.status !== 429) { rec.refused = `${a.status} ${a.body?.code ?? ''}`; return; }
      if (a && a.status === 409 && a.body?.code !== 'idempotency_in_progress') { rec.refused = `${a.status} ${a.body?.code ?? ''}`; return; }
      await sleep(1000);
    }
  }

  /** Grants and time requests: one of each every cadence / 3 on kids not yet asked for (one pending request per kid). */
  startChanges(): void {
    const order = [...this.viewers].sort((a, b) => (a.i * 7919) % this.viewers.length - (b.i * 7919) % this.viewers.length);
    let g = 0;
    let r = Math.floor(order.length / 2);
    const every = Math.max(1000, this.cadenceMs / 3);
    this.loops.push(this.#every(every, every / 2, async () => { await this.#idempotent('grant', order[g++ % order.length]); }));
    this.loops.push(this.#every(every, every, async () => { if (r < order.length) await this.#idempotent('request', order[r++]); }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

// ---- a fault and its figures

type Fault = 'primary' | 'sync-standby' | 'etcd-leader';

interface Figures {
  fault: Fault; host: Host; outageS: number; recoveryS: number; beatsOk: number; beatsFailed: number; pollsFailed: number;
  bad5xx: number; statuses: string; missingCreditS: number; missingKids: number; doubleCounted: string[]; grantsMissing: number; requestsMissing: number;
  grantsAcked: number; requestsAcked: number; worstBeatRun: number; worstPollRun: number; newLeader: string; failures: string[];
}

/** Longest stretch without an acknowledged beat, within [from, to]; and when it ended. */
function longestGap(beats: Sample[], from: number, to: number): { gap: number; end: number } {
  let last = from;
  let best = { gap: 0, end: from };
  for (const b of beats) {
    if (!b.ok || b.at < from || b.at > to) continue;
    if (b.at - last > best.gap) best = { gap: b.at - last, end: b.at };
    last = b.at;
  }
  if (to - last > best.gap) best = { gap: to - last, end: to };
  return best;
}

async function leaderClient(addr: Record<Host, string>, pw: string): Promise<pg.Client> {
  const members = await patroniCluster(addr);
  const leader = members?.find((m) => m.role === 'leader')?.name as Host | undefined;
  if (!leader) throw new Error(`no leader to read the database from: ${describe(members)}`);
  const c = new pg.Client({ connectionString: `postgresql://postgres:${pw}@${addr[leader]}:5432/vtime`, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** The acknowledged answers against what the database holds. */
async function ledger(load: Load, client: pg.Client, ourUser: string[]) {
  // the acknowledged figures first: everything acknowledged by now is committed (on two hosts) by now
  const acked = new Map(load.acked);
  const viewedUntil = Date.now();
  const { rows } = await client.query<{ profile_id: string; used: number }>(
    `select profile_id, sum(used_seconds)::int as used, max(case when now() >= day_start and now() < day_end then used_seconds end)::int as today
       from viewing_time_balances where profile_id = any($1) group by profile_id`, [load.viewers.map((v) => v.profileId)]);
  const today = new Map<string, { used: number; today: number }>(rows.map((r: any) => [r.profile_id, { used: r.used, today: r.today ?? 0 }]));
  let missingCreditS = 0;
  let missingKids = 0;
  const doubleCounted: string[] = [];
  for (const [profile, a] of acked) {
    const db = today.get(profile)?.today ?? 0;
    if (minutes(db) < a.used) { missingCreditS += Math.round(a.used * 60 - db); missingKids++; }
  }
  for (const [profile, d] of today) {
    const first = load.firstBeat.get(profile);
    if (first === undefined) continue;
    const wall = (viewedUntil - first) / 1000;
    // each beat's credit is rounded to the second: half a second a beat, at most
    const slack = 0.5 * (load.beatsSent.get(profile) ?? 0) + 1;
    if (d.used > wall + slack) doubleCounted.push(`kid ${profile.slice(0, 8)}: ${d.used} s credited in ${wall.toFixed(0)} s viewed`);
  }
  const grantRows = (await client.query<{ id: string; profile_id: string }>(
    'select id, profile_id from time_grants where granted_by_id = any($1) and request_id is null', [ourUser])).rows;
  const grantIds = new Set(grantRows.map((r) => r.id));
  const grantsPerKid = new Map<string, number>();
  for (const r of grantRows) grantsPerKid.set(r.profile_id, (grantsPerKid.get(r.profile_id) ?? 0) + 1);
  const keysPerKid = new Map<string, number>();
  for (const g of load.grants.values()) if (!g.refused) keysPerKid.set(g.profileId, (keysPerKid.get(g.profileId) ?? 0) + 1);
  for (const [kid, n] of grantsPerKid) {
    if (n > (keysPerKid.get(kid) ?? 0)) doubleCounted.push(`kid ${kid.slice(0, 8)}: ${n} grant ledger rows for ${keysPerKid.get(kid) ?? 0} Idempotency-Keys`);
  }
  const ackedGrants = [...load.grants.values()].filter((g) => g.grantId);
  const grantsMissing = ackedGrants.filter((g) => !grantIds.has(g.grantId!)).length;
  const reqRows = (await client.query<{ id: string; profile_id: string }>('select id, profile_id from time_requests where profile_id = any($1)', [load.viewers.map((v) => v.profileId)])).rows;
  const reqIds = new Set(reqRows.map((r) => r.id));
  const reqPerKid = new Map<string, number>();
  for (const r of reqRows) reqPerKid.set(r.profile_id, (reqPerKid.get(r.profile_id) ?? 0) + 1);
  for (const [kid, n] of reqPerKid) if (n > 1) doubleCounted.push(`kid ${kid.slice(0, 8)}: ${n} time requests for one Idempotency-Key`);
  const ackedRequests = [...load.requests.values()].filter((r) => r.requestId);
  const requestsMissing = ackedRequests.filter((r) => !reqIds.has(r.requestId!)).length;
  return { missingCreditS, missingKids, doubleCounted, grantsMissing, requestsMissing, grantsAcked: ackedGrants.length, requestsAcked: ackedRequests.length };
}

// ---- main

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    all: { type: 'boolean', default: false }, viewers: { type: 'string', default: '200' }, cadence: { type: 'string', default: '30' },
    before: { type: 'string' }, after: { type: 'string' }, subnet: { type: 'string', default: '10.216.0' }, help: { type: 'boolean', short: 'h', default: false },
  } });
  if (v.help) { console.log(HELP); return 0; }
  const tools = { ip: 'iproute2', haproxy: 'haproxy', etcd: 'etcd-server', patroni: 'patroni', runuser: 'util-linux', psql: 'postgresql-client-15' };
  const missing = [process.getuid?.() !== 0 ? 'root (network namespaces)' : '',
    ...Object.entries(tools).filter(([c]) => !sh('sh', ['-c', `command -v ${c}`], true).ok).map(([c, p]) => `${c} (${p})`),
    sh('test', ['-x', '/usr/lib/postgresql/15/bin/postgres'], true).ok ? '' : 'PostgreSQL 15 (postgresql-15)',
    sh('id', ['-u', 'postgres'], true).ok ? '' : 'the postgres user (postgresql-15)'].filter(Boolean);
  if (missing.length) { console.error(`cannot run: needs ${missing.join(', ')} (Debian: apt-get install iproute2 haproxy etcd-server patroni postgresql-15)`); return 2; }
  if (!/^\d+\.\d+\.\d+$/.test(v.subnet!)) { console.error('--subnet takes three octets, e.g. 10.216.0'); return 2; }
  const cadence = Number(v.cadence);
  const viewersN = Number(v.viewers);
  if (!(cadence >= 2) || !(viewersN >= 8)) { console.error('--cadence takes seconds (2 or more), --viewers a number (8 or more)'); return 2; }
  const beforeMs = Number(v.before ?? cadence * 1.5) * 1000;
  const afterMs = Number(v.after ?? Math.max(40, cadence * 3)) * 1000;
  const scale = Math.max(1, 30 / cadence);
  const limits = { beatRun: Math.ceil(3 * scale), pollRun: Math.ceil(2 * scale), recoveryS: 30 };
  const faults: Fault[] = v.all ? ['primary', 'sync-standby', 'etcd-leader'] : ['primary'];
  const subnet = v.subnet!;

  const pgUid = Number(sh('id', ['-u', 'postgres']).out.trim());
  const pgGid = Number(sh('id', ['-g', 'postgres']).out.trim());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vtime-db-failover-'));
  chmodSync(tmp, 0o755);
  const procs: Proc[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    log('cleaning up');
    call.close();
    // VTIME_FAILOVER_LOGS=<dir>: keep every process's last output there (for a run that went wrong)
    if (process.env.VTIME_FAILOVER_LOGS) {
      mkdirSync(process.env.VTIME_FAILOVER_LOGS, { recursive: true });
      procs.forEach((p, i) => writeFileSync(path.join(process.env.VTIME_FAILOVER_LOGS!, `${i}-${p.name.replace(/\W+/g, '-')}.log`), p.output.join('')));
    }
    for (const p of procs) try { process.kill(-p.child.pid!, 'SIGKILL'); } catch { /* gone */ }
    teardownNetwork();
    rmSync(tmp, { recursive: true, force: true });
    log('cleaned up: namespaces, bridge, veths, processes, temporary directory');
  };
  const onSignal = (s: string) => {
    log(`${s}: cleaning up`);
    process.on('uncaughtException', () => {});
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  const pw = { superuser: randomBytes(12).toString('hex'), replication: randomBytes(12).toString('hex') };
  const dbProcs: Partial<Record<Host, { etcd: Proc; patroni: Proc }>> = {};
  let load: Load | null = null;
  try {
    log(`network: bridge ${BRIDGE} ${subnet}.1/24; namespaces ${HOSTS.map(ns).join(', ')}`);
    const addr = setupNetwork(subnet);
    log(`Patroni: scope ${SCOPE}, synchronous_mode on, synchronous_mode_strict on, ttl ${PATRONI.ttl} s, loop_wait ${PATRONI.loop_wait} s, retry_timeout ${PATRONI.retry_timeout} s `
      + `(loop_wait + 2 x retry_timeout = ${PATRONI.loop_wait + 2 * PATRONI.retry_timeout} <= ttl); wal_sender_timeout 5 s`);
    log(`haproxy: tcp 127.0.0.1:${HAPROXY_PORT} on s1 and s2, option httpchk GET /primary (port 8008), inter 1s fall 2 rise 1, on-marked-down shutdown-sessions`);

    const cluster = DBS.map((d) => `${d}=http://${addr[d]}:2380`).join(',');
    const startDbHost = (h: Host) => {
      const dir = path.join(tmp, h);
      const etcd = onHost(`etcd ${h}`, h, ['etcd', '--name', h, '--data-dir', path.join(dir, 'etcd'),
        '--listen-client-urls', `http://${addr[h]}:2379`, '--advertise-client-urls', `http://${addr[h]}:2379`,
        '--listen-peer-urls', `http://${addr[h]}:2380`, '--initial-advertise-peer-urls', `http://${addr[h]}:2380`,
        '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', SCOPE, '--log-level', 'warn']);
      const patroni = onHost(`patroni ${h}`, h, ['runuser', '-u', 'postgres', '--', 'patroni', path.join(dir, 'patroni.yml')], {}, dir);
      procs.push(etcd, patroni);
      dbProcs[h] = { etcd, patroni };
    };
    for (const h of DBS) {
      const dir = path.join(tmp, h);
      mkdirSync(path.join(dir, 'etcd'), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(dir, 'patroni.yml'), patroniConfig(h, addr, dir, subnet, pw));
      chownSync(dir, pgUid, pgGid);
      chownSync(path.join(dir, 'patroni.yml'), pgUid, pgGid);
      chmodSync(dir, 0o700);
    }
    log(`hosts ${DBS.map((d) => `${d} (${addr[d]})`).join(', ')}: etcd, Patroni, PostgreSQL 15`);
    for (const h of DBS) startDbHost(h);
    const bootDeadline = Date.now() + 120_000;
    let members: Member[] | null = null;
    for (;;) {
      members = await patroniCluster(addr);
      if (healthy(members)) break;
      for (const h of DBS) for (const p of [dbProcs[h]!.etcd, dbProcs[h]!.patroni]) {
        if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}):\n${p.output.join('').slice(-3000)}`);
      }
      if (Date.now() > bootDeadline) throw new Error(`Patroni did not bootstrap within 120 s: ${describe(members)}\n${DBS.map((h) => `${h}: ${dbProcs[h]!.patroni.output.join('').slice(-1500)}`).join('\n')}`);
      await sleep(500);
    }
    log(`cluster: ${describe(members)}`);

    log(`hosts s1 (${addr.s1}), s2 (${addr.s2}): haproxy and the service`);
    writeFileSync(path.join(tmp, 'haproxy.cfg'), haproxyConfig(addr));
    for (const h of SVCS) procs.push(onHost(`haproxy ${h}`, h, ['haproxy', '-f', path.join(tmp, 'haproxy.cfg'), '-db']));
    const viaHaproxy = (database: string) => `postgres://postgres:${pw.superuser}@127.0.0.1:${HAPROXY_PORT}/${database}`;
    for (let i = 0; ; i++) {
      const r = spawnSync('ip', ['netns', 'exec', ns('s1'), 'psql', viaHaproxy('postgres'), '-Atc', 'create database vtime'], { encoding: 'utf8' });
      if (r.status === 0) break;
      if (i === 40) throw new Error(`create database vtime through haproxy failed: ${r.stderr}`);
      await sleep(250);
    }
    const jwtSecret = randomBytes(24).toString('hex');
    const env = {
      DATABASE_URL: viaHaproxy('vtime'), PORT: String(SERVICE_PORT), CLUSTER_WORKERS: '1', SEED_DEMO_DATA: 'false', METRICS_PORT: '0', JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'warn', NODE_ENV: 'test', RETENTION_INTERVAL_MINUTES: '0', BCRYPT_COST: '4', ACCESS_TOKEN_TTL_SECONDS: '86400',
    };
    const services: Partial<Record<Host, Proc>> = {};
    for (const h of SVCS) {
      mkdirSync(path.join(tmp, h), { recursive: true });
      services[h] = onHost(`service ${h}`, h, [process.execPath, 'src/main.ts'], { ...env, HOST: addr[h], DATA_DIR: path.join(tmp, h) });
      procs.push(services[h]!);
      await waitFor(services[h]!, 'vtime is ready', 90_000); // one after the other: the first migrates
      log(`service ${h} ready on http://${addr[h]}:${SERVICE_PORT}`);
    }
    const bases = SVCS.map((h) => `http://${addr[h]}:${SERVICE_PORT}`);

    // households of four kids, a few titles: in SQL, as the load runner seeds (a kids profile with its config row)
    const households = Math.ceil(viewersN / KIDS_PER_HOUSEHOLD);
    const prefix = `fo-${randomUUID().slice(0, 6)}-`;
    const seed = await leaderClient(addr, pw.superuser);
    const [pwHash, pinHash] = await Promise.all([bcrypt.hash(randomBytes(12).toString('hex'), 4), bcrypt.hash(PIN, 4)]);
    const titles = (await seed.query(sql.TITLES, [8, 4])).rows.filter((t: any) => !t.is_educational).map((t: any) => t.id as string);
    await seed.query(sql.USERS, [prefix, households, pwHash, ['UTC'], pinHash]);
    await seed.query(sql.KIDS, [prefix, KIDS_PER_HOUSEHOLD]);
    // the viewing day resets twelve hours from now: a run never crosses it
    await seed.query(`update viewing_time_configs c set reset_hour = (extract(hour from now() at time zone 'UTC')::int + 12) % 24
      from profiles p join users u on u.id = p.user_id where c.profile_id = p.id and u.email like $1 || '%'`, [prefix]);
    const rows = (await seed.query(sql.READ_BACK, [prefix])).rows as { user_id: string; profile_id: string }[];
    await seed.end();
    const tokens = new TokenService({ secret: jwtSecret, issuer: 'vtime', audience: 'vtime-api', accessTtlSeconds: 86_400, deviceTtlSeconds: 86_400 });
    const householdTokens = new Map<string, string>();
    for (const r of rows) if (!householdTokens.has(r.user_id)) householdTokens.set(r.user_id, await tokens.accessToken({ userId: r.user_id, scope: 'household' }));
    const viewers: Viewer[] = rows.slice(0, viewersN).map((r, i) => ({
      i, profileId: r.profile_id, token: householdTokens.get(r.user_id)!, householdToken: householdTokens.get(r.user_id)!,
      titleId: titles[i % titles.length], withSeq: i % 2 === 0, base: bases[i % bases.length],
    }));
    const ourUsers = [...householdTokens.keys()];
    log(`seeded ${households} households, ${viewers.length} kids; load: a beat every ${cadence} s and a balance poll every ${2 * cadence} s per kid `
      + `(${(viewers.length / cadence).toFixed(1)} beats/s), half with seq; a grant and a time request every ${(Math.max(1, cadence / 3)).toFixed(0)} s`);

    load = new Load(viewers, cadence * 1000, bases);
    load.start();
    load.startChanges();
    const ld = load;
    const progress = setInterval(() => {
      const now = performance.now();
      const recent = ld.beats.filter((b) => b.at > now - 5000);
      void patroniCluster(addr).then((m) => log(`  last 5 s: ${recent.filter((b) => b.ok).length} beats ok, ${recent.filter((b) => !b.ok).length} failed `
        + `(${[...new Set(recent.filter((b) => !b.ok).map((b) => b.status))].join('/') || '-'}); cluster: ${describe(m)}`));
    }, 5000);

    const results: Figures[] = [];
    try {
      for (const [n, fault] of faults.entries()) {
        if (n > 0) {
          const deadline = Date.now() + 180_000;
          let m: Member[] | null = null;
          while (!healthy(m = await patroniCluster(addr))) {
            if (Date.now() > deadline) throw new Error(`the cluster is not back to three members with a synchronous standby: ${describe(m)}`);
            await sleep(1000);
          }
          log(`cluster back to three members: ${describe(m)}`);
        }
        log(`fault ${n + 1} (${fault}): ${beforeMs / 1000} s of load first`);
        await sleep(beforeMs);
        let members = await patroniCluster(addr);
        // Each fault loses one role: etcd runs on hosts of its own in the recipe, so the primary's
        // host and etcd's leader are never lost together there. Here they share hosts: when etcd's
        // leader sits on the primary's host, leadership moves first (losing both at once costs a
        // few seconds more: etcd's new leader renews every lease, the primary's leader key too).
        if (fault === 'etcd-leader' || fault === 'primary') {
          const primary = members?.find((m) => m.role === 'leader')?.name as Host | undefined;
          const etcdHost = await etcdLeader(addr);
          const replica = (members?.find((m) => m.role === 'replica') ?? members?.find((m) => m.role === 'sync_standby'))?.name as Host | undefined;
          if (etcdHost && etcdHost === primary && replica) {
            log(`  the etcd leader is on the primary's host ${primary}: moving it to ${replica} (the primary's loss and the etcd leader's are separate faults)`);
            if (!(await moveEtcdLeader(addr, etcdHost, replica))) log('  etcd leadership did not move: the fault takes the primary too');
            await sleep(2000);
            members = await patroniCluster(addr);
          }
        }
        const host: Host | null = fault === 'primary' ? (members?.find((m) => m.role === 'leader')?.name as Host)
          : fault === 'sync-standby' ? (members?.find((m) => m.role === 'sync_standby')?.name as Host) : await etcdLeader(addr);
        if (!host) throw new Error(`no ${fault} host to lose: ${describe(members)}`);
        const etcdLeaderHost = await etcdLeader(addr);
        load.resetWorst();
        const before = new Map(load.statuses);
        const phaseStart = performance.now();
        sh('ip', ['link', 'set', outer(host), 'down']);
        const killed = killNamespace(host);
        const faultAt = performance.now();
        const faultWall = new Date().toISOString().slice(11, 23);
        log(`fault ${n + 1}: host ${host} (the ${fault === 'primary' ? 'primary' : fault === 'sync-standby' ? 'synchronous standby' : 'etcd leader'}; cluster was: ${describe(members)}) lost at ${faultWall}: link down, kill -9 of its ${killed} processes; the etcd leader was on ${etcdLeaderHost}`);
        await sleep(afterMs);
        const phaseEnd = performance.now();
        const gap = longestGap(load.beats, phaseStart - 2000, phaseEnd);
        // no stretch longer than a few beats' usual spacing (or a second): writes never stopped
        const stopped = gap.gap > Math.max(1000, (5 * cadence * 1000) / viewers.length);
        const recoveryS = stopped && gap.end > faultAt ? (gap.end - faultAt) / 1000 : 0;
        const inPhase = (s: Sample) => s.at >= phaseStart && s.at <= phaseEnd;
        const statuses = new Map<number, number>();
        for (const [s, c] of load.statuses) if (c - (before.get(s) ?? 0) > 0) statuses.set(s, c - (before.get(s) ?? 0));
        const bad5xx = [...statuses].filter(([s]) => s >= 500 && s !== 503).reduce((a, [, c]) => a + c, 0);
        const after = await patroniCluster(addr, host);
        const client = await leaderClient(addr, pw.superuser);
        const l = await ledger(load, client, ourUsers);
        await client.end();
        const worstBeatRun = Math.max(0, ...load.worst.beat.values());
        const worstPollRun = Math.max(0, ...load.worst.poll.values());
        const f: Figures = {
          fault, host, outageS: gap.gap / 1000, recoveryS, beatsOk: load.beats.filter((b) => inPhase(b) && b.ok).length, beatsFailed: load.beats.filter((b) => inPhase(b) && !b.ok).length,
          pollsFailed: load.polls.filter((b) => inPhase(b) && !b.ok).length, bad5xx, statuses: [...statuses].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s || 'no answer'}: ${c}`).join(', '),
          ...l, worstBeatRun, worstPollRun, newLeader: describe(after), failures: [],
        };
        if (recoveryS > limits.recoveryS) f.failures.push(`heartbeats were acknowledged again only ${recoveryS.toFixed(1)} s after the fault (limit ${limits.recoveryS} s)`);
        if (bad5xx) f.failures.push(`${bad5xx} answers with a 5xx other than 503: ${load.bad5xx.slice(0, 5).join('; ')}`);
        if (l.missingCreditS) f.failures.push(`${l.missingCreditS} s of acknowledged credit missing over ${l.missingKids} kids`);
        if (l.doubleCounted.length) f.failures.push(`counted twice: ${l.doubleCounted.slice(0, 5).join('; ')}${l.doubleCounted.length > 5 ? ` and ${l.doubleCounted.length - 5} more` : ''}`);
        if (l.grantsMissing) f.failures.push(`${l.grantsMissing} acknowledged grants missing from the ledger`);
        if (l.requestsMissing) f.failures.push(`${l.requestsMissing} acknowledged time requests missing`);
        if (worstBeatRun >= limits.beatRun) f.failures.push(`a viewer had ${worstBeatRun} failed heartbeats in a row (limit < ${limits.beatRun})`);
        if (worstPollRun >= limits.pollRun) f.failures.push(`a viewer had ${worstPollRun} failed balance polls in a row (limit < ${limits.pollRun})`);
        if (load.acked.size < viewers.length) f.failures.push(`only ${load.acked.size} of ${viewers.length} kids had a beat acknowledged`);
        results.push(f);
        log(`fault ${n + 1} (${fault}, host ${host}): outage ${f.outageS.toFixed(1)} s, recovery ${recoveryS.toFixed(1)} s, cluster now: ${f.newLeader}`);
        if (n < faults.length - 1) {
          log(`restoring host ${host}: link up, etcd and Patroni started again`);
          sh('ip', ['link', 'set', outer(host), 'up']);
          startDbHost(host);
        }
      }
    } finally {
      clearInterval(progress);
      await load.stop();
      log('load stopped');
    }
    const unrefused = { grants: [...load.grants.values()].filter((g) => g.refused).map((g) => g.refused), requests: [...load.requests.values()].filter((r) => r.refused).map((r) => r.refused) };

    const failures = results.flatMap((f) => f.failures.map((x) => `fault ${f.fault}: ${x}`));
    console.log(`
db-failover figures (${viewers.length} kids, a beat every ${cadence} s, Patroni ttl ${PATRONI.ttl} / loop_wait ${PATRONI.loop_wait} / retry_timeout ${PATRONI.retry_timeout}, synchronous_mode_strict)`);
    for (const f of results) {
      console.log(`  fault: ${f.fault} (host ${f.host} lost)
    write outage                 ${f.outageS.toFixed(1)} s (longest time with no heartbeat acknowledged)
    recovery                     ${f.recoveryS.toFixed(1)} s after the fault (limit ${limits.recoveryS} s)
    heartbeats                   ${f.beatsOk} acknowledged, ${f.beatsFailed} failed; balance polls failed ${f.pollsFailed}
    answers                      ${f.statuses}
    5xx other than 503           ${f.bad5xx}
    acknowledged credit missing  ${f.missingCreditS} s (${f.missingKids} kids)
    counted twice                ${f.doubleCounted.length}
    grants acknowledged/missing  ${f.grantsAcked} / ${f.grantsMissing}; time requests acknowledged/missing ${f.requestsAcked} / ${f.requestsMissing}
    failed in a row (worst)      heartbeats ${f.worstBeatRun} (limit < ${limits.beatRun}), balance polls ${f.worstPollRun} (limit < ${limits.pollRun})
    cluster afterwards           ${f.newLeader}`);
    }
    if (unrefused.grants.length || unrefused.requests.length) console.log(`  refused (4xx, not retried): grants ${unrefused.grants.join(', ') || '-'}; requests ${unrefused.requests.join(', ') || '-'}`);
    if (load.bad5xx.length) console.log(`  first 5xx other than 503:\n${load.bad5xx.map((x) => `    ${x}`).join('\n')}`);
    // the services' error lines, counted by SQLSTATE or message (a 500 names its cause here)
    const errors = new Map<string, number>();
    for (const h of SVCS) {
      for (const line of services[h]!.output.join('').split('\n')) {
        let e: { level?: number; msg?: string; err?: { code?: string; message?: string } };
        try { e = JSON.parse(line); } catch { continue; }
        if ((e.level ?? 0) < 50) continue;
        const what = `${h}: ${e.msg} (${e.err?.code ? `SQLSTATE ${e.err.code}: ` : ''}${e.err?.message ?? '-'})`;
        errors.set(what, (errors.get(what) ?? 0) + 1);
      }
    }
    if (errors.size) console.log(`  service error lines\n${[...errors].map(([w, n]) => `    ${n} x ${w}`).join('\n')}`);
    console.log(failures.length ? `FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}` : 'all checks passed');
    return failures.length ? 1 : 0;
  } catch (e) {
    console.error(`db-failover check could not complete: ${e instanceof Error ? e.message : String(e)}`);
    if (load) await load.stop().catch(() => {});
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
