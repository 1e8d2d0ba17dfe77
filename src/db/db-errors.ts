// connection failures, server shutting down, too many connections, database missing or not
// accepting connections, and 25006: a read-only transaction, what a demoted primary (or a standby
// reached before haproxy noticed the failover) answers a write
const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300', '3D000', '55000', '25006']);

/**
 * TCP keepalive on every PostgreSQL connection (pool, listener, one-off clients): a connection to a
 * host that vanished is noticed by the kernel instead of hanging until the next write times out.
 */
export const PG_KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 1_000 } as const;

/** 503s answered because the database could not be reached or could not write (metrics db.unavailable_503). */
export const dbAnswers = { unavailable503: 0, inDoubtRetries: 0, primaryAddress: null as string | null };

/** True when the error means PostgreSQL could not be reached, not that the request was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: string; message?: string; cause?: unknown; name?: string };
    if (x.code && DB_DOWN_CODES.has(x.code)) return true;
    if (typeof x.message === 'string' && /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(x.message)) return true;
    if (x.name === 'ConnectionException') return true;
    e = x.cause;
  }
  return false;
}

// errors that end a connection once a statement may have reached the server: its commit is in doubt
const IN_DOUBT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '08003', '08006']);

/** True when a statement may have committed although its answer never came (the connection broke under it). */
export function isInDoubt(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: string; message?: string; cause?: unknown };
    if (x.code && IN_DOUBT_CODES.has(x.code)) return true;
    if (typeof x.message === 'string' && /Connection terminated unexpectedly|Client has encountered a connection error/i.test(x.message)) return true;
    e = x.cause;
  }
  return false;
}
