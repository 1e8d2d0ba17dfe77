// The service's endpoints as k6 calls: every request tagged by endpoint (and phase), its
// X-DB-Ops header fed into the db_ops Trend, and the same checks as the npm runner.
import { check } from 'k6';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Trend } from 'k6/metrics';

export const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8000';
export const API = `${BASE_URL}/api/v1`;

/** Database round trips per request, from the service's X-DB-Ops header. */
export const dbOps = new Trend('db_ops');

export interface Viewer { profileId: string; household: number; titleId: string; deviceId: string; deviceType: string }
export interface Household { userId: string; token: string; kids: string[] }
export type Tags = Record<string, string>;
type Res = RefinedResponse<ResponseType | undefined>;

function params(token: string, tags: Tags, timeout: string) {
  return { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, tags, timeout };
}

export function record(res: Res, tags: Tags): void {
  const ops = res.headers['X-Db-Ops'];
  if (ops !== undefined) dbOps.add(Number(ops), tags);
}

export function json(res: Res): any {
  try {
    return res.json();
  } catch {
    return null;
  }
}

export function post(path: string, token: string, body: unknown, tags: Tags, timeout: string): Res {
  const res = http.post(API + path, body === undefined ? null : JSON.stringify(body), params(token, tags, timeout));
  record(res, tags);
  return res;
}

export function get(path: string, token: string, tags: Tags, timeout: string): Res {
  const res = http.get(API + path, params(token, tags, timeout));
  record(res, tags);
  return res;
}

export function beatBody(v: Viewer, seq: number, sessionId: string | null, paused: boolean) {
  return { profile_id: v.profileId, title_id: v.titleId, device_id: v.deviceId, device_type: v.deviceType, seq, ...(sessionId ? { session_id: sessionId, is_paused: paused } : {}) };
}

/**
 * A steady beat; returns the session to beat on next, as the old player does: the id that came
 * back (a resumed session has a new one), or null when another device took over (start anew).
 */
export function heartbeat(v: Viewer, token: string, sessionId: string, seq: number, paused: boolean, tags: Tags, timeout: string): string | null {
  const t = { ...tags, endpoint: 'heartbeat' };
  const res = post('/viewing-time/heartbeat', token, beatBody(v, seq, sessionId, paused), t, timeout);
  const b = json(res);
  check(res, {
    'heartbeat is 200': (r) => r.status === 200,
    'heartbeat keeps its session': () => b?.session_id === sessionId && b?.reason !== 'superseded',
  }, t);
  if (res.status !== 200) return sessionId;
  return b?.reason === 'superseded' ? null : (b?.session_id ?? sessionId);
}

export function startSession(v: Viewer, token: string, seq: number, tags: Tags, timeout: string): string | null {
  const t = { ...tags, endpoint: 'session_start' };
  const res = post('/viewing-time/heartbeat', token, beatBody(v, seq, null, false), t, timeout);
  const id = json(res)?.session_id;
  check(res, { 'session start is 200 with a session_id': (r) => r.status === 200 && typeof id === 'string' }, t);
  return typeof id === 'string' ? id : null;
}

/** Unknown routes answer 404 route_not_found: the endpoint is not built in this service yet. */
export function missing(method: 'GET' | 'POST', path: string, token: string): boolean {
  // {} is refused (422) by an endpoint that exists, so the probe changes nothing; neither answer counts as failed
  const res = http.request(method, API + path, method === 'POST' ? '{}' : null, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, tags: { endpoint: 'probe' },
    responseCallback: http.expectedStatuses({ min: 200, max: 299 }, 404, 422),
  });
  return res.status === 404 && json(res)?.code === 'route_not_found';
}
