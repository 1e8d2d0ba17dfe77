import { DriverException } from '@mikro-orm/core';
import type { Context, Next } from 'koa';
import { dbAnswers, isDatabaseUnavailable } from '../db/db-errors.ts';
import { AppError, type ErrorKind } from '../domain/shared/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  bad_request: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409,
  precondition: 412, validation: 422, locked: 423, too_many: 429, unavailable: 503,
};

export interface ErrorBody {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

type ErrorFields = { status?: number; expose?: boolean; type?: string; message?: string; code?: string; name?: string };

/**
 * koa-body re-wraps a thrown value that is not an Error of its own realm (zlib's errors, seen from
 * a VM context such as Jest's) as Error(JSON.stringify(value)): read its fields back.
 */
function fieldsOf(err: unknown): ErrorFields {
  const e = err as ErrorFields;
  if (e?.name === 'object' && typeof e.message === 'string' && e.message.startsWith('{')) {
    try {
      return { ...(JSON.parse(e.message) as ErrorFields), message: e.message };
    } catch { /* not JSON after all */ }
  }
  return e ?? {};
}

/** The one place errors become responses; anything unknown is a logged, generic 500. */
export function toErrorResponse(err: unknown): ErrorBody {
  if (err instanceof AppError) {
    const headers: Record<string, string> = {};
    if (typeof err.extra.retry_after === 'number') headers['Retry-After'] = String(err.extra.retry_after);
    if (typeof err.extra.locked_until === 'string') headers['X-Locked-Until'] = err.extra.locked_until;
    return { status: STATUS[err.kind], body: { detail: err.message, code: err.code, ...err.extra }, headers };
  }
  if (isDatabaseUnavailable(err)) {
    return { status: 503, body: { detail: 'the database is unavailable; retry shortly', code: 'database_unavailable' }, headers: { 'Retry-After': '5' } };
  }
  const e = fieldsOf(err);
  if (e.type === 'entity.too.large' || e.status === 413) {
    return { status: 413, body: { detail: 'request body exceeds 16 KiB', code: 'payload_too_large' }, headers: {} };
  }
  if (e.type === 'encoding.unsupported' || e.status === 415) {
    return { status: 415, body: { detail: 'unsupported Content-Encoding: send the body as identity, gzip, deflate or br', code: 'unsupported_encoding' }, headers: {} };
  }
  // zlib could not inflate the body: gzip, deflate or br declared on a plain body, or a truncated stream
  if (typeof e.code === 'string' && /^(Z_|ERR__ERROR_)/.test(e.code)) {
    return { status: 400, body: { detail: 'the body does not match its Content-Encoding', code: 'bad_encoding' }, headers: {} };
  }
  if (e.type === 'request.aborted' || e.type === 'request.size.invalid' || e.type === 'stream.encoding.set') {
    return { status: 400, body: { detail: 'the request body was incomplete or inconsistent with its headers', code: 'bad_body' }, headers: {} };
  }
  if (e.status === 405) return { status: 405, body: { detail: 'this method is not allowed on this path', code: 'method_not_allowed' }, headers: {} };
  if (e.status === 501) return { status: 501, body: { detail: 'this method is not implemented', code: 'not_implemented' }, headers: {} };
  if (e.status === 400 || e.type === 'entity.parse.failed') {
    return { status: 400, body: { detail: 'malformed JSON body', code: 'malformed_json' }, headers: {} };
  }
  if (e.status && e.status >= 400 && e.status < 500 && e.expose) {
    return { status: e.status, body: { detail: e.message ?? 'bad request', code: 'http_error' }, headers: {} };
  }
  return { status: 500, body: { detail: 'internal server error', code: 'internal_error' }, headers: {} };
}

/** Error boundary: first middleware, so every failure below it gets {"detail", "code"}. */
export async function errorBoundary(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.body = { detail: `no route for ${ctx.method} ${ctx.path}`, code: 'route_not_found' };
    }
  } catch (err) {
    const res = toErrorResponse(err);
    // an unknown method (501) is the client's doing, not a failure of ours: no error line
    if (res.status >= 500 && res.status !== 501) {
      const log = ctx.state.log ?? console;
      // a database that cannot be reached (a failover: every request meets it) is a warning per
      // request, not an error: the 503 is the designed answer, and the metric counts them
      if (res.status === 503 && res.body.code === 'database_unavailable') log.warn({ err: (err as Error)?.message }, 'request answered 503: database unavailable');
      else if (res.status === 500 || !(err instanceof DriverException)) log.error({ err }, 'request failed');
    }
    if (res.body.code === 'database_unavailable') dbAnswers.unavailable503++;
    ctx.status = res.status;
    ctx.set(res.headers);
    // the methods a 405's path allows, from the routes the router matched
    const matched = (ctx as { matched?: { methods: string[] }[] }).matched;
    if (res.status === 405 && matched) ctx.set('Allow', [...new Set(matched.flatMap((l) => l.methods))].join(', '));
    ctx.body = res.body;
  }
}
