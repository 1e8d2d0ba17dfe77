import { DriverException } from '@mikro-orm/core';
import type { Context, Next } from 'koa';
import { isDatabaseUnavailable } from '../db/db-errors.ts';
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
  const e = err as { status?: number; expose?: boolean; type?: string; message?: string };
  if (e.type === 'entity.too.large' || e.status === 413) {
    return { status: 413, body: { detail: 'request body exceeds 16 KiB', code: 'payload_too_large' }, headers: {} };
  }
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
    if (res.status >= 500) {
      const log = ctx.state.log ?? console;
      if (res.status === 500 || !(err instanceof DriverException)) log.error({ err }, 'request failed');
    }
    ctx.status = res.status;
    ctx.set(res.headers);
    ctx.body = res.body;
  }
}
