// Who used the CPU during a run, from /proc (Linux): the generator (this process), the service's
// process tree, the run's PostgreSQL (its postmaster's whole tree: backends, walwriter,
// checkpointer, background writer, autovacuum, and what exited children left in the postmaster's
// cutime), and everything else, as % of one core. On 2 cores the three share the machine, so this
// is what tells a service limit from a generator limit.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every mainstream Linux

interface Proc {
  ppid: number;
  comm: string;
  ticks: number;
}

export interface CpuSnapshot {
  at: number;
  procs: Map<number, Proc>;
  /** busy ticks of the whole machine, and its core count */
  busy: number;
  cores: number;
}

export type CpuGroups = {
  generator: number; service: number; postgres: number; other: number; machine: number; cores: number; seconds: number; otherTop: string[];
  /** what "postgres" counted: the run's postmaster and its descendants, or (not visible here) every process named postgres */
  postgresScope: string;
};

/** The process trees a run's CPU is split by: the service's root, the run's postmaster (null: not visible). */
export interface Roots {
  service: number | null;
  postgres: number | null;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // fields after "(comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1 in proc(5).
    // cutime/cstime hold reaped children, so a cluster primary or a postmaster keeps the CPU of the
    // workers/backends that died during the run (not for this process: it reaps its service at the end)
    const own = Number(f[11]) + Number(f[12]);
    return { ppid: Number(f[1]), comm, ticks: pid === process.pid ? own : own + Number(f[13]) + Number(f[14]) };
  } catch {
    return null; // exited meanwhile
  }
}

/**
 * All processes, or only `pids` (a full scan reads ~100 files and blocks the generator's event
 * loop for 5-20 ms, so during a run the per-second sample reads only the known processes).
 */
export function cpuSnapshot(pids?: Iterable<number>): CpuSnapshot {
  const procs = new Map<number, Proc>();
  const list = pids ? [...pids] : readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  for (const pid of list) {
    const p = readProc(pid);
    if (p) procs.set(pid, p);
  }
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const total = lines[0].split(/\s+/).slice(1).map(Number);
  const busy = total.reduce((a, b) => a + b, 0) - (total[3] ?? 0) - (total[4] ?? 0); // minus idle and iowait
  return { at: Date.now(), procs, busy, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

function descendants(procs: Map<number, Proc>, root: number): Set<number> {
  const tree = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs) if (!tree.has(pid) && tree.has(p.ppid)) { tree.add(pid); grew = true; }
  }
  return tree;
}

/** A process and its descendants through /proc/<pid>/task/<pid>/children (no full scan). */
function tree(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    try {
      queue.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * The postmaster serving `databaseUrl`: the parent of this connection's backend. Null when the
 * backend is not in this machine's /proc (a database on another host or in a container).
 */
export async function postmasterOf(databaseUrl: string): Promise<number | null> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const backend = readProc((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid);
    return backend ? backend.ppid : null;
  } finally {
    await c.end();
  }
}

/** Every process named postgres whose parent is not: the postmasters of all clusters on the machine. */
const allPostmasters = (s: CpuSnapshot) => [...s.procs].filter(([, p]) => p.comm === 'postgres' && s.procs.get(p.ppid)?.comm !== 'postgres').map(([pid]) => pid);

/**
 * What the per-second sample reads: this process, the service's tree and PostgreSQL's, found
 * again each time from their roots, so replaced workers and new backends are counted.
 */
export function knownRoots(full: CpuSnapshot, roots: Roots): () => number[] {
  const postmasters = roots.postgres ? [roots.postgres] : allPostmasters(full);
  return () => [process.pid, ...(roots.service ? tree(roots.service) : []), ...postmasters.flatMap(tree)];
}

/**
 * CPU used between two snapshots, in % of one core, by group; "other" is the machine's busy time
 * minus the groups (kernel interrupt time included). PostgreSQL is the postmaster's tree when it
 * is known, so another cluster on the machine (a system PostgreSQL, another suite's embedded one)
 * counts as other; unknown, every process named postgres counts, as the best guess left.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, roots: Roots): CpuGroups {
  const seconds = Math.max(0.001, (b.at - a.at) / 1000);
  const pct = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
  const service = roots.service ? descendants(b.procs, roots.service) : new Set<number>();
  const postgres = roots.postgres ? descendants(b.procs, roots.postgres) : null;
  const isPostgres = (pid: number, p: Proc) => (postgres ? postgres.has(pid) : p.comm === 'postgres');
  const g = { generator: 0, service: 0, postgres: 0 };
  const others = new Map<string, number>();
  // a child reaped meanwhile moved its whole life's CPU into its parent's cutime: take off what it had used before `a`
  const before = new Map<number, number>();
  for (const [pid, p] of a.procs) if (!b.procs.has(pid)) before.set(p.ppid, (before.get(p.ppid) ?? 0) + p.ticks);
  for (const [pid, p] of b.procs) {
    const used = p.ticks - (a.procs.get(pid)?.ticks ?? 0) - (before.get(pid) ?? 0);
    if (used <= 0) continue;
    if (pid === process.pid) g.generator += used;
    else if (service.has(pid)) g.service += used;
    else if (isPostgres(pid, p)) g.postgres += used;
    else others.set(p.comm, (others.get(p.comm) ?? 0) + used);
  }
  // who else used the machine (another test run, kernel threads), so a noisy figure says so
  const otherTop = [...others].sort((x, y) => y[1] - x[1]).slice(0, 4).map(([comm, t]) => `${comm} ${pct(t).toFixed(0)}`);
  const other = Math.max(0, pct(b.busy - a.busy - g.generator - g.service - g.postgres));
  return {
    generator: pct(g.generator), service: pct(g.service), postgres: pct(g.postgres), other,
    machine: pct(b.busy - a.busy), cores: b.cores, seconds, otherTop,
    postgresScope: roots.postgres ? `postmaster ${roots.postgres} and its ${postgres!.size - 1} processes` : 'every process named postgres (the run\'s postmaster is not visible here)',
  };
}

export const formatCpu = (c: CpuGroups): string =>
  `cpu (% of one core, ${c.cores} cores): generator ${c.generator.toFixed(0)}, service ${c.service.toFixed(0)}, postgres ${c.postgres.toFixed(0)}, ` +
  `other ${c.other.toFixed(0)}${c.otherTop.length ? ` (${c.otherTop.join(', ')})` : ''}; machine busy ${c.machine.toFixed(0)}/${c.cores * 100}`;

/** CPU milliseconds each group spent per answered request: what a heartbeat costs, whatever the noise. */
export function cpuPerRequest(c: CpuGroups, answered: number): string {
  const ms = (pct: number) => (answered ? ((pct / 100) * c.seconds * 1000) / answered : 0).toFixed(2);
  return `cpu ms per answered request: generator ${ms(c.generator)}, service ${ms(c.service)}, postgres ${ms(c.postgres)}`;
}

/** Processes serving requests in the tree of `pid`: the process itself, or a cluster's workers (not its primary). */
export function serviceProcesses(pid: number): number {
  const tree = descendants(cpuSnapshot().procs, pid);
  return tree.size > 1 ? tree.size - 1 : 1;
}
