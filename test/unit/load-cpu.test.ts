// The runner's CPU split (load-tests/lib/cpu.ts) on made-up /proc snapshots: PostgreSQL is every
// process of the run's postmaster (backends, walwriter, checkpointer, autovacuum, and the CPU
// that exited children left in the postmaster's cutime), and nothing of another cluster.
import { cpuBetween, type CpuSnapshot } from '../../load-tests/lib/cpu.ts';

const me = process.pid;
type P = [pid: number, ppid: number, comm: string, ticks: number];
const snap = (at: number, busy: number, procs: P[]): CpuSnapshot => ({ at, busy, cores: 2, procs: new Map(procs.map(([pid, ppid, comm, ticks]) => [pid, { ppid, comm, ticks }])) });

// 1 s apart, so a tick (1/100 s) is 1 % of one core
const before = snap(0, 1000, [
  [me, 1, 'node', 100], [100, me, 'node', 50], [101, 100, 'node', 10], [102, 100, 'node', 10],
  [200, 1, 'postgres', 5], [201, 200, 'postgres', 20], [202, 200, 'postgres', 1], [203, 200, 'postgres', 1], [204, 200, 'postgres', 50],
  [300, 1, 'postgres', 7], [301, 300, 'postgres', 9],
]);
const after = snap(1000, 1000 + 180, [
  [me, 1, 'node', 110], [100, me, 'node', 52], [101, 100, 'node', 40], [102, 100, 'node', 38],
  // 204 exited (80 ticks over its life: 30 in this second); 205 lived and died inside it (12): both now in the postmaster's cutime
  [200, 1, 'postgres', 5 + 80 + 12 + 1], [201, 200, 'postgres', 45], [202, 200, 'postgres', 3], [203, 200, 'postgres', 2], [206, 200, 'postgres', 4],
  [300, 1, 'postgres', 7], [301, 300, 'postgres', 19],
]);

describe('CPU by process group', () => {
  it('PostgreSQL is the whole tree of the run\'s postmaster, exited backends included; another cluster is other', () => {
    const c = cpuBetween(before, after, { service: 100, postgres: 200 });
    expect(c.generator).toBeCloseTo(10);
    expect(c.service).toBeCloseTo(2 + 30 + 28);
    // postmaster 1 + exited 30 + short-lived 12 + backend 25 + walwriter 2 + checkpointer 1 + new autovacuum worker 4
    expect(c.postgres).toBeCloseTo(1 + 30 + 12 + 25 + 2 + 1 + 4);
    expect(c.otherTop).toEqual(['postgres 10']);
    expect(c.other).toBeCloseTo(180 - 10 - 60 - 75);
    expect(c.postgresScope).toBe('postmaster 200 and its 4 processes');
  });

  it('without a visible postmaster, every process named postgres counts (and says so)', () => {
    const c = cpuBetween(before, after, { service: 100, postgres: null });
    expect(c.postgres).toBeCloseTo(75 + 10);
    expect(c.postgresScope).toMatch(/every process named postgres/);
  });
});
