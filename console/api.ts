// The API client: tokens live in this module's memory only (a reload signs out). A 401 refreshes
// once and retries; refreshes are shared, because the API rotates refresh tokens and treats a
// second use of the old one as theft (it revokes the whole login).
const BASE = '/api/v1';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: Record<string, unknown>;
  readonly retryAfter: number | null;
  constructor(status: number, body: Record<string, unknown>, retryAfter: number | null) {
    super(typeof body.detail === 'string' ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.code = typeof body.code === 'string' ? body.code : '';
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

interface Tokens { access_token: string; refresh_token: string }

let tokens: Tokens | null = null;
let refreshing: Promise<boolean> | null = null;
let onSignedOut: (why: string | null) => void = () => {};

export const signedIn = () => tokens !== null;
export const whenSignedOut = (f: (why: string | null) => void) => { onSignedOut = f; };

async function send(method: string, path: string, body: unknown, access: string | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (access) headers.authorization = `Bearer ${access}`;
  return fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { detail: text }; }
  if (res.ok) return body as T;
  const retry = res.headers.get('retry-after');
  throw new ApiError(res.status, (body ?? {}) as Record<string, unknown>, retry ? Number(retry) : null);
}

function end(why: string | null): void {
  tokens = null;
  onSignedOut(why);
}

/** One refresh at a time: every request that got a 401 meanwhile waits for it. */
function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = tokens;
    if (!current) return false;
    try {
      tokens = await parse<Tokens>(await send('POST', '/auth/refresh', { refresh_token: current.refresh_token }, null));
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) end('Your sign-in has expired. Please sign in again.');
      else throw e;
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** An authenticated call; a 401 refreshes the tokens once and retries once. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const used = tokens?.access_token ?? null;
  const res = await send(method, path, body, used);
  if (res.status !== 401 || !tokens) return parse<T>(res);
  if (tokens.access_token === used && !(await refresh())) return parse<T>(res);
  return parse<T>(await send(method, path, body, tokens?.access_token ?? null));
}

export async function signIn(email: string, password: string): Promise<void> {
  tokens = await parse<Tokens>(await send('POST', '/auth/login', { email, password }, null));
}

export async function signOut(): Promise<void> {
  const current = tokens;
  end(null);
  if (current) await send('POST', '/auth/logout', { refresh_token: current.refresh_token }, null).catch(() => {});
}
