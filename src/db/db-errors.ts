// connection failures, server shutting down, too many connections, database missing or not accepting connections
const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300', '3D000', '55000']);

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
