// What the multi-host checks (check:scale-out, check:db-failover) share: processes started in a
// network namespace, waiting for what they print, and a small HTTP client for the service and the
// daemons' APIs.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc { name: string; child: ChildProcess; output: string[]; exited: Promise<number | null> }

/**
 * A process in a network namespace, in a process group of its own (so a host's whole cluster can
 * be killed at once); its output is kept, the last `keep` chunks when given.
 */
export function inNamespace(name: string, ns: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; keep?: number } = {}): Proc {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { env: { ...process.env, ...o.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: o.cwd });
  const output: string[] = [];
  const keep = (d: Buffer) => {
    output.push(d.toString());
    if (o.keep && output.length > o.keep) output.splice(0, output.length - o.keep);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, output, exited };
}

/** Waits until the process has printed `text`; fails with its last output when it exits or the time is up. */
export async function waitFor(p: Proc, text: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (!p.output.join('').includes(text)) {
    if (p.child.exitCode !== null || Date.now() > deadline) throw new Error(`${p.name} did not say "${text}" (exit ${p.child.exitCode}):\n${p.output.join('').slice(-3000)}`);
    await sleep(100);
  }
  return p.output.join('');
}

export interface Answer { status: number; body: any; servedBy: number; ms: number }

export interface CallOptions { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number; fresh?: boolean }

/** An HTTP client over a keep-alive agent of `maxSockets` (`fresh`: a connection of the request's own); JSON in and out; `close` ends its connections. */
export function httpClient(maxSockets: number, defaultTimeoutMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const call = (base: string, method: string, p: string, o: CallOptions = {}): Promise<Answer> => {
    const data = o.body === undefined ? undefined : JSON.stringify(o.body);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(base + p, {
        method, agent: o.fresh ? false : agent, timeout: o.timeoutMs ?? defaultTimeoutMs,
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers,
        },
      }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => {
          let body: unknown = text;
          try { body = JSON.parse(text); } catch { /* text */ }
          resolve({ status: res.statusCode ?? 0, body, servedBy: Number(res.headers['x-served-by']), ms: performance.now() - started });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(data);
    });
  };
  return Object.assign(call, { close: () => agent.destroy() });
}
