import Router from '@koa/router';
import { RequestContext, type MikroORM } from '@mikro-orm/core';
import type { Context } from 'koa';
import type { Devices } from '../domain/accounts/devices.ts';
import type { IdentityService } from '../domain/accounts/identity.ts';
import type { Principal, TokenService } from '../domain/accounts/tokens.ts';
import { AppError, unauthorized } from '../domain/shared/errors.ts';
import { toErrorResponse } from './errors.ts';
import { IDEMPOTENCY_HEADER, type Idempotency } from './idempotency.ts';
import type { Route } from './route.ts';
import { parseOrThrow } from './validation.ts';

export interface RouterDeps {
  tokens: TokenService;
  identity: IdentityService;
  devices: Devices;
  orm: MikroORM;
  idempotency: Idempotency;
}

const koaPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');

async function authenticate(ctx: Context, route: Route, deps: RouterDeps): Promise<Principal | null> {
  if (route.access === 'public') return null;
  const header = ctx.get('authorization');
  const ticket = route.ticket && !header ? ctx.query.ticket : undefined;
  let principal: Principal;
  if (typeof ticket === 'string') {
    principal = await deps.tokens.ticketPrincipal(ticket, ctx.path);
  } else {
    const match = /^Bearer +([A-Za-z0-9_\-.]+)$/i.exec(header); // the scheme is case-insensitive (RFC 9110 §11.1)
    if (!match) throw unauthorized('missing bearer token');
    principal = await deps.tokens.principal(match[1]);
  }
  deps.devices.check(principal); // a signed-out kids device: 401, whatever it asks (from memory: no round trip)
  if (route.access === 'player') return principal; // the player context checks the account with its other facts
  const user = await deps.identity.activeUser(principal);
  if (route.access !== 'device' && principal.scope !== 'household') {
    throw new AppError('forbidden', 'profile_scoped_token', 'a kids device token cannot use this endpoint');
  }
  if (route.access === 'admin' && !user.isAdmin) throw new AppError('forbidden', 'admin_required', 'administrator rights required');
  return principal;
}

/** Mounts routes: authenticate, validate path/query/body with their zod schemas, call, reply. */
export function buildRouter(prefix: string, routes: Route[], deps: RouterDeps): Router {
  const router = new Router({ prefix });
  for (const r of routes) {
    const serve = async (ctx: Context) => {
      const principal = await authenticate(ctx, r, deps);
      const params = r.params ? parseOrThrow(r.params, ctx.params, 'path') : undefined;
      const query = r.query ? parseOrThrow(r.query, ctx.query, 'query') : undefined;
      const body = r.body ? parseOrThrow(r.body, (ctx.request as { body?: unknown }).body ?? {}, 'body') : undefined;
      const call = () => r.handler({ params, query, body, principal: principal as Principal, ctx });
      const statusOf = (result: unknown) => r.status ?? (result === undefined ? 204 : 200);
      const key = r.idempotent && principal ? ctx.get(IDEMPOTENCY_HEADER) : '';
      if (key) { // the change and its kept answer in one transaction, or the first answer replayed
        const answer = await deps.idempotency.run(principal!, r.method, ctx.path, key, body, call, statusOf, toErrorResponse);
        if (answer.replayed) ctx.set('Idempotency-Replayed', 'true');
        ctx.status = answer.status;
        if (answer.body !== null && answer.body !== undefined) ctx.body = answer.body;
        return;
      }
      const result = await call();
      ctx.status = statusOf(result);
      if (result !== undefined) ctx.body = result;
    };
    router[r.method](koaPath(r.path), r.unitOfWork === false ? serve : (ctx: Context) => RequestContext.create(deps.orm.em, () => serve(ctx)));
  }
  return router;
}
