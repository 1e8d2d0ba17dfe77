// PM2 process file for vtime: `DATABASE_URL=postgresql://… npx pm2 start ecosystem.config.cjs`.
// PM2 is a devDependency of the project: run it as `npx pm2 …` from the project folder, never from a
// global install (see the Node version note below). docs/operations.md explains running it.
//
// Why cluster mode: PM2's cluster mode forks one service process per instance on Node's cluster
// module and shares the listening port between them, so `npx pm2 reload ecosystem.config.cjs` replaces
// the processes one at a time — a new one is started, PM2 waits for its 'ready' message, and only then
// is the old one sent SIGINT and left to drain — and the port never stops answering (zero-downtime
// reload). Fork mode would restart the only process that holds the port.
//
// Under PM2 there is no vtime cluster primary (PROCESS_ROLE=worker: every process serves alone), and
// nothing of the service relies on one:
//   - cache invalidation crosses processes (and machines) through PostgreSQL LISTEN/NOTIFY, not IPC;
//   - cluster-wide metrics are merged from the snapshots each process publishes to PostgreSQL, so any
//     process answers /api/v1/admin/metrics for all of them;
//   - retention and migrations run under PostgreSQL advisory locks, so however many processes (on
//     however many machines) attempt them, one at a time does the work.
'use strict';

const os = require('node:os');
const path = require('node:path');

function fail(message) {
  // PM2 prints this when it loads the file; nothing is started
  throw new Error(`ecosystem.config.cjs: ${message}`);
}

// PM2 starts cluster workers on the Node that runs its daemon, and the daemon runs on the Node of the
// CLI that first started it. `npx pm2` from the project puts node_modules/.bin first on PATH, so that
// is Node 24 (the `node` devDependency); a global pm2 on the system Node 20 could not run src/main.ts.
if (Number(process.versions.node.split('.')[0]) < 24) {
  fail(`PM2 runs on Node ${process.version}; vtime needs Node 24. Run PM2 as \`npx pm2 …\` from the project (or \`npx pm2 kill\` a daemon started by another Node first).`);
}
if (!process.env.DATABASE_URL) {
  fail('DATABASE_URL is required: under PM2 every process connects to one shared PostgreSQL (the embedded database is only for `npm start`). Example: DATABASE_URL=postgresql://vtime:secret@127.0.0.1:5432/vtime npx pm2 start ecosystem.config.cjs');
}

const intFromEnv = (name, fallback, min = 1) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer of at least ${min} (got "${raw}")`);
  return n;
};

// the service's own defaults (src/config.ts): on SIGINT/SIGTERM a process keeps answering for the
// grace period (marked draining), then finishes in-flight requests for at most the timeout
const shutdownTimeoutMs = intFromEnv('SHUTDOWN_TIMEOUT_MS', 10_000);
const shutdownGraceMs = intFromEnv('SHUTDOWN_GRACE_MS', 500, 0);

module.exports = {
  apps: [{
    name: 'vtime',
    cwd: __dirname,
    script: 'src/main.ts',
    // used by PM2 to decide the mode and in fork mode; cluster workers get the daemon's Node (see above)
    interpreter: path.join(__dirname, 'node_modules/.bin/node'),
    exec_mode: 'cluster',
    instances: intFromEnv('CLUSTER_WORKERS', os.availableParallelism()),
    env: {
      PROCESS_ROLE: 'worker', // PM2 is the supervisor: each process serves, none forks
      DATABASE_URL: process.env.DATABASE_URL,
      NODE_ENV: process.env.NODE_ENV || 'production',
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      SHUTDOWN_GRACE_MS: String(shutdownGraceMs),
    },
    // a process counts as up only after it sent process.send('ready'): migrations checked, database
    // pool warm, listening. listen_timeout bounds that wait (a first start may apply migrations).
    wait_ready: true,
    listen_timeout: 30_000,
    // PM2 sends SIGINT, then SIGKILL after kill_timeout: leave the graceful drain (grace + timeout,
    // plus the service's own 2 s margin before it forces itself out) room to finish first
    kill_timeout: shutdownGraceMs + shutdownTimeoutMs + 5_000,
    // crash-loop brake: exponential back-off between restarts of a process that keeps dying
    exp_backoff_restart_delay: 200,
    max_restarts: 20,
    min_uptime: 5_000,
    // pino already writes one JSON line per event with its own time; PM2 keeps them per app
    merge_logs: true,
    autorestart: true,
    watch: false,
  }],
};
