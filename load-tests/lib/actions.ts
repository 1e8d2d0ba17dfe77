// The npm runner's transport of the shared plan (plan.ts): each request through the keep-alive
// client, into the metrics with the plan's checks. Viewer state (session id, seq) lives here,
// so heartbeats carry real, increasing seq numbers.
import type { Client } from './http.ts';
import type { Metrics, Tags } from './metrics.ts';
import * as plan from './plan.ts';
import type { Fixture } from './seed.ts';

export const API = plan.API;

export interface World {
  client: Client;
  fx: Fixture;
  metrics: Metrics;
  states: plan.ViewerState[];
  pausedShare: number;
  beatsPerSession: [number, number];
  /** A scenario's own part beside the streams (live-events' open streams): told when the measured run starts, awaited when it ends. */
  beside?: { start(t0: number, durationMs: number): void; end(): Promise<Record<string, unknown>> };
  /** What `beside.end` returned, written into the result file. */
  besideResult?: Record<string, unknown>;
}

export const newStates = (n: number): plan.ViewerState[] => Array.from({ length: n }, plan.newViewer);
const random = (n: number) => Math.floor(Math.random() * n);

async function send(w: World, req: plan.Req, tags: Tags): Promise<plan.Answer> {
  const r = await w.client.request(req.method, API + req.path, { token: req.token, body: req.body, headers: req.headers });
  const failed = r.status === 0 || (req.expected ? !req.expected.includes(r.status) : r.status >= 400);
  // tagged by status too, as k6 tags http_reqs (e.g. the PIN storm's successful verifies)
  w.metrics.request({ ...tags, endpoint: req.endpoint, status: String(r.status) }, r.ms, failed, r.dbOps);
  for (const [name, fn] of Object.entries(req.checks)) w.metrics.check(name, fn(r));
  return r;
}

/** A heartbeat on the viewer's session, or the start of one when it has none. */
export async function heartbeat(w: World, i: number, tags: Tags): Promise<void> {
  const s = w.states[i];
  const sent = s.sessionId;
  const a = await send(w, plan.beat(w.fx, i, ++s.seq, sent, Math.random() < w.pausedShare), tags);
  if (s.sessionId !== sent) return; // a later answer already moved it on
  s.sessionId = sent ? plan.sessionAfter(sent, a) : a.status === 200 ? a.body.session_id : null;
}

export const startSession = heartbeat;

/** One step of a viewer's day (plan.dayStep): eligibility and start, a beat, or the end. */
export async function dayStep(w: World, i: number, tags: Tags): Promise<void> {
  const s = w.states[i];
  let req: plan.Req | null = plan.dayStep(w.fx, i, s, Math.random, w.pausedShare);
  while (req) req = plan.dayAnswered(w.beatsPerSession, w.fx, i, s, req, await send(w, req, tags), Math.random);
}

/** One arrival of a single-request stream (balance, grant, pin_verify, failed_login, weekly_report, history). */
export async function arrival(w: World, action: plan.Action, tags: Tags): Promise<void> {
  await send(w, plan.arrival(action, w.fx, random), tags);
}

/** A child asks for 15 more minutes; when the ask is accepted, the parent approves it at once. */
export async function timeRequest(w: World, tags: Tags): Promise<void> {
  const ask = plan.arrival('time_request', w.fx, random);
  const a = await send(w, ask, tags);
  if (a.status === 201 && typeof a.body?.id === 'string') await send(w, plan.approve(w.fx, ask, a.body.id), tags);
}

/** The actions among `actions` whose endpoint answers 404 route_not_found (not built in this service). */
export async function missingEndpoints(w: World, actions: plan.Action[]): Promise<{ action: plan.Action; endpoint: string }[]> {
  const missing = [];
  for (const action of new Set(actions)) {
    const req = plan.probe(action, w.fx);
    if (!req) continue;
    const r = await w.client.request(req.method, API + req.path, { token: req.token, body: req.body });
    if (plan.isMissing(r)) missing.push({ action, endpoint: `${req.method} ${API}${req.path.replace(/[0-9a-f-]{36}/, '{id}')}` });
  }
  return missing;
}
