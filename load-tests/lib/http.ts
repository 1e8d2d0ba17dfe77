// A small keep-alive HTTP/1.1 client: one request per socket at a time (like one k6 VU each),
// timed from the call to the last byte, with the X-DB-Ops header read off every answer.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Reply {
  status: number;
  /** Parsed JSON body, or null. */
  body: any;
  dbOps: number | null;
  ms: number;
  /** Network error or timeout (status 0). */
  error?: string;
}

export interface Client {
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  /** Opens n connections now, so the first measured requests do not pay for them and a cluster sees them spread. */
  warm(n: number): Promise<void>;
  sockets(): number;
  close(): void;
}

export function createClient(baseUrl: string, o: { maxSockets: number; timeoutMs: number }): Client {
  const url = new URL(baseUrl);
  // fifo: rotate over every open socket, so a cluster's processes all get work (lifo would favour one)
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets, scheduling: 'fifo', keepAliveMsecs: 30_000 });
  const base = { host: url.hostname, port: url.port || 80, agent };

  function request(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve) => {
      const started = performance.now();
      const done = (r: Omit<Reply, 'ms'>) => resolve({ ...r, ms: performance.now() - started });
      const req = http.request({ ...base, method, path, headers, timeout: o.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => done({ status: 0, body: null, dbOps: null, error: e.message }));
        res.on('end', () => {
          const ops = res.headers['x-db-ops'];
          done({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks)), dbOps: ops === undefined ? null : Number(ops) });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${o.timeoutMs} ms`)));
      req.on('error', (e) => done({ status: 0, body: null, dbOps: null, error: e.message }));
      req.end(payload);
    });
  }

  return {
    request,
    async warm(n) {
      await Promise.all(Array.from({ length: Math.min(n, o.maxSockets) }, () => request('GET', '/health/live')));
    },
    sockets: () => Object.values(agent.sockets).reduce((a, l) => a + (l?.length ?? 0), 0) + Object.values(agent.freeSockets).reduce((a, l) => a + (l?.length ?? 0), 0),
    close: () => agent.destroy(),
  };
}

function parseJson(b: Buffer): unknown {
  if (!b.length) return null;
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}
