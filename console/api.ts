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

async function send(method: string, path: string, body: unknown, access: string | null, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { ...extra };
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
  unsettled.clear();
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
export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const used = tokens?.access_token ?? null;
  const res = await send(method, path, body, used, headers);
  if (res.status !== 401 || !tokens) return parse<T>(res);
  if (tokens.access_token === used && !(await refresh())) return parse<T>(res);
  return parse<T>(await send(method, path, body, tokens?.access_token ?? null, headers));
}

/** Idempotency-Keys of changes whose outcome is not known yet, by method, path and body. */
const unsettled = new Map<string, string>();
/** Answers the API keeps under their Idempotency-Key (SPEC §4): a repeat with that key gets them back. */
const kept = (e: ApiError) => e.status < 500 && ![401, 423, 429].includes(e.status) && e.code !== 'idempotency_in_progress';

/**
 * A change sent with an Idempotency-Key, so that trying it again (a click repeated after a lost
 * answer) cannot make it twice: the same method, path and body reuse the key until the API has
 * answered. An answer the API keeps (a success, or a 4xx such as 403 "PIN needed") ends the key,
 * so the try after the PIN dialog, or the next test delivery, is a change of its own.
 */
export async function once<T>(method: string, path: string, body: unknown = {}): Promise<T> {
  const what = `${method} ${path} ${JSON.stringify(body)}`;
  const key = unsettled.get(what) ?? crypto.randomUUID();
  unsettled.set(what, key);
  try {
    const answer = await api<T>(method, path, body, { 'Idempotency-Key': key });
    unsettled.delete(what);
    return answer;
  } catch (e) {
    if (e instanceof ApiError && kept(e)) unsettled.delete(what);
    throw e;
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  tokens = await parse<Tokens>(await send('POST', '/auth/login', { email, password }, null));
}

export async function signOut(): Promise<void> {
  const current = tokens;
  end(null);
  if (current) await send('POST', '/auth/logout', { refresh_token: current.refresh_token }, null).catch(() => {});
}
