// The old web app's transport, as OLD-CLIENT.md §1 describes it, written by hand from that page
// (not from vtime's schemas): one fetch wrapper for everything. Every request sends
// `Content-Type: application/json` (GETs and empty POSTs too) and the stored bearer token; bodies are
// JSON.stringify'd, so undefined fields vanish and null stays null; a 401 on a request that carried a
// token triggers one shared refresh and one retry. Each request is made on a fresh connection, so a
// 2-process cluster's round robin spreads the calls over both processes.
import http from 'node:http';
import { ANSWER_TIMEOUT_MS } from '../cluster-harness.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
  constructor(status: number, message: string, body: unknown, headers: http.IncomingHttpHeaders) {
    super(message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

interface Raw { status: number; statusText: string; headers: http.IncomingHttpHeaders; text: string }

function send(base: string, method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, agent: false, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, text }));
    });
    req.on('error', reject);
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${ANSWER_TIMEOUT_MS / 1000} s: ${method} ${path}`)));
    req.end(body);
  });
}

/** `detail` as a string, or a list of {msg} joined with ", ", else the status text (as the old app reads errors). */
function messageOf(raw: Raw, parsed: unknown): string {
  const detail = (parsed as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((d) => (d as { msg?: string }).msg).join(', ');
  return raw.statusText;
}

export class OldClient {
  readonly base: string;
  /** localStorage 'token' and 'refresh_token'. */
  token: string | null = null;
  refreshToken: string | null = null;
  /** Which process answered each call (X-Served-By), for the cross-process flows. */
  lastServedBy = 0;
  /** The status of the last answer (the app itself only tells 2xx from the rest). */
  lastStatus = 0;
  refreshes = 0;
  #refreshing: Promise<boolean> | null = null;

  constructor(base: string) {
    this.base = `${base}/api/v1`;
  }

  async apiFetch<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const first = await this.#once(method, path, body);
    if (first.status === 401 && first.sentToken) {
      if (await this.#refresh()) return this.#result<T>(await this.#once(method, path, body));
    }
    return this.#result<T>(first);
  }

  /** The login page stores both tokens after register/login. */
  store(tokens: { access_token: string; refresh_token?: string }): void {
    this.token = tokens.access_token;
    if (tokens.refresh_token) this.refreshToken = tokens.refresh_token;
  }

  async #once(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const sentToken = this.token !== null;
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const raw = await send(this.base, method, path, headers, body === undefined ? undefined : JSON.stringify(body));
    this.lastServedBy = Number(raw.headers['x-served-by']);
    this.lastStatus = raw.status;
    return { ...raw, sentToken };
  }

  #result<T>(raw: Raw): T {
    let parsed: unknown = null;
    try { parsed = raw.text ? JSON.parse(raw.text) : null; } catch { parsed = null; }
    if (raw.status >= 200 && raw.status < 300) return (raw.status === 204 ? undefined : parsed) as T;
    throw new ApiError(raw.status, messageOf(raw, parsed), parsed, raw.headers);
  }

  /** One shared refresh: POST /auth/refresh {refresh_token}; stores access_token and, if present, refresh_token. */
  #refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      try {
        if (!this.refreshToken) return false;
        this.refreshes++;
        const r = await send(this.base, 'POST', '/auth/refresh', { 'Content-Type': 'application/json' }, JSON.stringify({ refresh_token: this.refreshToken }));
        if (r.status !== 200) return false;
        this.store(JSON.parse(r.text));
        return true;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }
}

/** The error a call fails with (the old app throws ApiError and mostly shows its message). */
export async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

// ---- declared response shapes (OLD-CLIENT.md's "response the client declares"), checked field by field

export type FieldType = 'string' | 'string|null' | 'number' | 'number|null' | 'boolean' | 'datetime' | 'datetime|null' | 'date' | 'number[]' | 'array' | 'object';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOk(v: unknown, t: FieldType): boolean {
  if (t.endsWith('|null') && v === null) return true;
  switch (t.replace('|null', '') as FieldType) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'datetime': return typeof v === 'string' && ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v));
    case 'date': return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'number[]': return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'array': return Array.isArray(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: return false;
  }
}

/** Every declared field is present with its declared type; returns the offending fields (empty when all hold). */
export function shapeErrors(value: unknown, shape: Record<string, FieldType>, where = ''): string[] {
  if (typeof value !== 'object' || value === null) return [`${where || 'value'}: not an object`];
  const o = value as Record<string, unknown>;
  return Object.entries(shape).flatMap(([k, t]) => (k in o && typeOk(o[k], t) ? [] : [`${where}${k}: expected ${t}, got ${JSON.stringify(o[k])}`]));
}
