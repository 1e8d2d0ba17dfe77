import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MikroORM } from '@mikro-orm/core';
import Koa, { type Context, type Next } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import type { Logger } from 'pino';
import type { Devices } from '../domain/accounts/devices.ts';
import type { IdentityService } from '../domain/accounts/identity.ts';
import type { TokenService } from '../domain/accounts/tokens.ts';
import { countDbOps, type DbOps } from '../db/query-counter.ts';
import { errorBoundary } from './errors.ts';
import { buildOpenApi } from './openapi.ts';
import type { Idempotency } from './idempotency.ts';
import type { Route } from './route.ts';
import { buildRouter } from './router.ts';

export const API_PREFIX = '/api/v1';
const BODY_LIMIT = '16kb';
const HEARTBEAT_PATH = `${API_PREFIX}/viewing-time/heartbeat`;

export interface RequestRecord {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  ops: DbOps;
}

export interface AppDeps {
  logger: Logger;
  orm: MikroORM;
  tokens: TokenService;
  identity: IdentityService;
  devices: Devices;
  idempotency: Idempotency;
  /** Routes under /api/v1 and at the root (health, metrics). */
  apiRoutes: Route[];
  rootRoutes: Route[];
  version: string;
  /** Called after every response; tests use it to see the SQL a request ran. */
  onRequest?: (r: RequestRecord) => void;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** Request id, per-request logger, DB round-trip counter, X-DB-Ops and Server-Timing headers. */
function observe(deps: AppDeps) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // the per-request child logger is made when something logs: a heartbeat at info level never does
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { get: () => (log ??= deps.logger.child({ reqId: requestId })), configurable: true });
    ctx.set('X-Request-Id', requestId);
    const { ops, result } = countDbOps(() => next());
    try {
      await result;
    } finally {
      const ms = performance.now() - started;
      ctx.set('X-DB-Ops', String(ops.count));
      ctx.set('Server-Timing', `db;dur=${ops.ms.toFixed(1)}, total;dur=${ms.toFixed(1)}`);
      // heartbeats are the bulk of the traffic: one line each at debug, with the profile
      const heartbeat = ctx.path === HEARTBEAT_PATH && ctx.status < 400;
      if (deps.logger.isLevelEnabled(heartbeat ? 'debug' : 'info')) {
        const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, dbOps: ops.count };
        if (heartbeat) ctx.state.log.debug({ ...line, profileId: (ctx.request as { body?: { profile_id?: string } }).body?.profile_id }, 'heartbeat');
        else ctx.state.log.info(line, 'request');
      }
      deps.onRequest?.({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms, ops });
    }
  };
}

/** Defaults for every answer, which a route may override (an event stream sets its own Cache-Control). */
async function defaultHeaders(ctx: Context, next: Next) {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  await next();
}

async function requireJson(ctx: Context, next: Next) {
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method) && hasBody && !ctx.is('application/json')) {
    ctx.status = 415;
    ctx.body = { detail: 'send the body as application/json', code: 'unsupported_media_type' };
    return;
  }
  await next();
}

/** Builds the Koa app; it never listens (main.ts and tests do). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  const openapi = buildOpenApi([{ prefix: API_PREFIX, routes: deps.apiRoutes }, { prefix: '', routes: deps.rootRoutes }], deps.version);
  const api = buildRouter(API_PREFIX, deps.apiRoutes, deps);
  const root = buildRouter('', deps.rootRoutes, deps);
  api.get('/openapi.json', (ctx) => { ctx.body = openapi; });

  // Order matters: default headers first (kept on error answers too), the error boundary wraps everything, then the request id/logger and the
  // round-trip counter (so the headers also cover failures), then the size-limited body parser,
  // then the routers; each route runs in a MikroORM request context (one identity map per
  // request) unless it only sends statements of its own (router.ts).
  app.use(defaultHeaders);
  app.use(errorBoundary);
  app.use(observe(deps));
  app.use(requireJson);
  // DELETE too: a DELETE that needs PIN proof carries it in its body (never the query string, which proxies log)
  app.use(koaBody({ json: true, jsonStrict: true, jsonLimit: BODY_LIMIT, multipart: false, urlencoded: false, text: false, patchNode: false, parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE] }));
  // throw: a wrong method reaches the error boundary as 405/501 and gets the usual JSON body
  app.use(api.routes()).use(api.allowedMethods({ throw: true }));
  app.use(root.routes()).use(root.allowedMethods({ throw: true }));
  app.silent = true;
  return app;
}
