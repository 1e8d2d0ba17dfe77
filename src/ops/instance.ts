// Which vtime primary owns a data directory: `<DATA_DIR>/vtime.pid` holds its pid and URL, so a
// second start can name the running one, and a file left by a killed one (pid gone) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Instance { pid: number; url: string; startedAt: string }

export class AlreadyRunning extends Error {
  readonly instance: Instance;
  constructor(dataDir: string, instance: Instance) {
    super(`vtime is already running on ${dataDir}: pid ${instance.pid}, ${instance.url} (started ${instance.startedAt}); stop it first (Ctrl-C in its terminal, or kill ${instance.pid})`);
    this.instance = instance;
  }
}

const fileOf = (dataDir: string) => path.join(dataDir, 'vtime.pid');

/** Is pid a live node process? (/proc, where there is one, guards against a reused pid.) */
export function alive(pid: number, command = 'node'): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command);
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** The live instance that owns dataDir, or null (no file, or its process is gone). */
export function runningInstance(dataDir: string): Instance | null {
  let found: Instance;
  try {
    found = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as Instance;
  } catch {
    return null;
  }
  return found.pid !== process.pid && alive(found.pid) ? found : null;
}

/** Claims dataDir for this process, or throws AlreadyRunning naming the instance that has it. */
export function claimDataDir(dataDir: string, url: string): { release(): void } {
  const other = runningInstance(dataDir);
  if (other) throw new AlreadyRunning(dataDir, other);
  mkdirSync(dataDir, { recursive: true });
  const mine: Instance = { pid: process.pid, url, startedAt: new Date().toISOString() };
  writeFileSync(fileOf(dataDir), `${JSON.stringify(mine)}\n`);
  const release = () => {
    try {
      if ((JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as Instance).pid === process.pid) rmSync(fileOf(dataDir));
    } catch { /* already gone */ }
  };
  process.once('exit', release);
  return { release };
}
