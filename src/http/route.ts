import type { Context } from 'koa';
import type { z } from 'zod';
import type { Principal } from '../domain/accounts/tokens.ts';

/**
 * Who may call: nobody signed in, the household's login, an admin, a kids device too ('device'),
 * or the player endpoints ('player': a kids device too; the domain checks the account along with
 * the profile's other facts, so a cold heartbeat still takes at most 2 round trips).
 */
export type Access = 'public' | 'household' | 'admin' | 'device' | 'player';

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  ctx: Context;
}

/** One endpoint: its schemas serve both validation and the OpenAPI document. */
export interface Route<P extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, B extends Schema | undefined = Schema | undefined> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  status?: number;
  response?: Schema;
  errors?: number[];
  /** false: the route sends only statements of its own and needs no MikroORM request context (the hot player paths). */
  unitOfWork?: false;
  /** A live stream: also accepts `?ticket=` from POST /events/ticket instead of the Authorization header. */
  ticket?: true;
  /** Accepts an Idempotency-Key header (SPEC §4): a repeat with the same key and body gets the first answer. */
  idempotent?: true;
  /** Left out of the OpenAPI document (static files of /docs). */
  hidden?: boolean;
  handler: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<unknown>;
}

export function route<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(r: Route<P, Q, B>): Route {
  return r as unknown as Route;
}
