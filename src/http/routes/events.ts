import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { z } from 'zod';
import type { IdentityService } from '../../domain/accounts/identity.ts';
import { TICKET_TTL_SECONDS, type Principal, type TokenService } from '../../domain/accounts/tokens.ts';
import type { EventHub } from '../../domain/live-events/event-hub.ts';
import { AppError, invalidField } from '../../domain/shared/errors.ts';
import { route } from '../route.ts';
import { uuid } from '../schemas.ts';

const API = '/api/v1';
const DEVICE_STREAM = /^\/viewing-time\/events\/([0-9a-fA-F-]{36})$/;
const PARENT_STREAM = '/parental-controls/events';
/** A client this far behind is cut off; it reconnects with Last-Event-ID and misses nothing. */
const MAX_BUFFERED_BYTES = 1 << 20;

const streamQuery = z.strictObject({
  ticket: z.string().min(1).max(4096).optional(),
  last_event_id: z.string().max(32).optional(),
});

const MAX_EVENT_ID = (1n << 63n) - 1n;

/** Last-Event-ID (header, or ?last_event_id= for EventSource): an event id as this service sends them, else 422. */
function lastEventId(ctx: Context): string | null {
  const header = ctx.get('last-event-id');
  const value = header || (typeof ctx.query.last_event_id === 'string' ? ctx.query.last_event_id : '');
  if (!value) return null;
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > MAX_EVENT_ID) {
    throw invalidField(header ? 'Last-Event-ID' : 'last_event_id', 'must be an event id this service sent (a whole number below 2^63)');
  }
  return value;
}

async function openStream(ctx: Context, hub: EventHub, principal: Principal, household: string, profile: string | null): Promise<PassThrough> {
  const last = lastEventId(ctx);
  const body = new PassThrough();
  let handle: { close(): void } | null = null;
  const sink = {
    write(text: string) {
      if (body.writableEnded || body.destroyed) return;
      if (body.writableLength > MAX_BUFFERED_BYTES) { handle?.close(); body.end(); return; }
      body.write(text);
    },
    end: () => body.end(),
  };
  // listening before the hub opens the stream: a client gone while it opened still gives its place back
  let gone = false;
  ctx.res.on('close', () => { gone = true; handle?.close(); body.end(); });
  handle = await hub.open({
    household, profile, lastEventId: last, sink,
    deviceId: principal.scope === 'profile' ? principal.deviceId ?? null : null, familyId: principal.scope === 'household' ? principal.familyId ?? null : null,
  });
  if (gone) handle.close();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.set({ 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
  ctx.type = 'text/event-stream';
  return body;
}

/** Which stream a path names, after checking the caller may open it. */
async function streamOf(path: string, principal: Principal, identity: IdentityService): Promise<string> {
  const rel = path.startsWith(`${API}/`) ? path.slice(API.length) : path;
  const device = DEVICE_STREAM.exec(rel);
  if (device) {
    await identity.ownedProfile(principal, device[1].toLowerCase());
    return `${API}/viewing-time/events/${device[1].toLowerCase()}`;
  }
  if (rel === PARENT_STREAM) {
    if (principal.scope !== 'household') throw new AppError('forbidden', 'profile_scoped_token', "a kids device token cannot open the parents' stream");
    return `${API}${PARENT_STREAM}`;
  }
  throw invalidField('path', `must be ${API}/viewing-time/events/{profile_id} or ${API}${PARENT_STREAM}`);
}

export function eventRoutes(d: { hub: EventHub; identity: IdentityService; tokens: TokenService }) {
  const tag = 'live events';
  return [
    route({
      method: 'get', path: '/viewing-time/events/{profile_id}', tag, access: 'device', ticket: true, errors: [404, 429],
      summary: "A kids device's live events (text/event-stream): that profile's time_request, grant, settings_changed, session_superseded, limit_reached, pause (data.action paused, lifted or expired) and break_started (data.break_until). Last-Event-ID (header or ?last_event_id=) resumes within 24 h; an older or unknown id gets event: resync. Browsers pass ?ticket= from POST /events/ticket. At most 10 streams per household.",
      params: z.object({ profile_id: uuid }), query: streamQuery,
      handler: async ({ principal, params, ctx }) => {
        const profile = await d.identity.ownedProfile(principal, params.profile_id);
        return openStream(ctx, d.hub, principal, profile.userId, profile.id);
      },
    }),
    route({
      method: 'get', path: PARENT_STREAM, tag, access: 'household', ticket: true, errors: [429],
      summary: "The parents' live events (text/event-stream): every event of the household's profiles. Last-Event-ID and ?ticket= as for the device stream.",
      query: streamQuery,
      handler: ({ principal, ctx }) => openStream(ctx, d.hub, principal, principal.userId, null),
    }),
    route({
      method: 'post', path: '/events/ticket', tag, access: 'device', status: 201, errors: [404],
      summary: "A ticket for browsers' EventSource (which cannot send headers): bound to the caller and to one stream path, usable for 60 s; pass it as ?ticket=.",
      body: z.strictObject({ path: z.string().min(1).max(200) }),
      response: z.object({ ticket: z.string(), expires_in: z.int(), path: z.string() }),
      handler: async ({ principal, body }) => {
        const path = await streamOf(body.path, principal, d.identity);
        return { ticket: await d.tokens.ticket(principal, path), expires_in: TICKET_TTL_SECONDS, path };
      },
    }),
  ];
}
