// What each arrival does against the service, per action of scenarios.json, with k6-like checks.
// Viewer state (session id, seq) lives here, so heartbeats carry real, increasing seq numbers.
import type { Client, Reply } from './http.ts';
import type { Metrics, Tags } from './metrics.ts';
import type { Fixture } from './seed.ts';

export const API = '/api/v1';

export interface ViewerState {
  sessionId: string | null;
  seq: number;
  beatsLeft: number;
  /** day-in-the-life: idle → (eligible) ready → watching → idle */
  step: 'idle' | 'ready' | 'watching';
}

export interface World {
  client: Client;
  fx: Fixture;
  metrics: Metrics;
  states: ViewerState[];
  pausedShare: number;
  beatsPerSession: [number, number];
}

export const newStates = (n: number): ViewerState[] => Array.from({ length: n }, () => ({ sessionId: null, seq: 0, beatsLeft: 0, step: 'idle' }));

type Checks = Record<string, (r: Reply) => boolean>;

async function call(w: World, tags: Tags, method: string, path: string, token: string, body: unknown, checks: Checks): Promise<Reply> {
  const r = await w.client.request(method, API + path, { token, body });
  w.metrics.request(tags, r.ms, r.status === 0 || r.status >= 400, r.dbOps);
  for (const [name, fn] of Object.entries(checks)) w.metrics.check(name, fn(r));
  return r;
}

const tokenOf = (w: World, viewer: number) => w.fx.households[w.fx.viewers[viewer].household].token;

function beatBody(w: World, i: number, s: ViewerState) {
  const v = w.fx.viewers[i];
  return { profile_id: v.profileId, title_id: v.titleId, device_id: v.deviceId, device_type: v.deviceType, seq: ++s.seq };
}

/** A heartbeat without session_id: starts the viewer's session (ending any previous one). */
export async function startSession(w: World, i: number, tags: Tags): Promise<void> {
  const s = w.states[i];
  const r = await call(w, { ...tags, endpoint: 'session_start' }, 'POST', '/viewing-time/heartbeat', tokenOf(w, i), beatBody(w, i, s), {
    'session start is 200 with a session_id': (x) => x.status === 200 && typeof x.body?.session_id === 'string',
  });
  if (r.status === 200) s.sessionId = r.body.session_id;
}

/** A steady-state heartbeat on the viewer's session (a start when it has none). */
export async function heartbeat(w: World, i: number, tags: Tags): Promise<void> {
  const s = w.states[i];
  if (!s.sessionId) return startSession(w, i, tags);
  const sent = s.sessionId;
  const body = { ...beatBody(w, i, s), session_id: sent, is_paused: Math.random() < w.pausedShare };
  const r = await call(w, { ...tags, endpoint: 'heartbeat' }, 'POST', '/viewing-time/heartbeat', tokenOf(w, i), body, {
    'heartbeat is 200': (x) => x.status === 200,
    'heartbeat keeps its session': (x) => x.body?.session_id === sent && x.body?.reason !== 'superseded',
  });
  // as the old player does: keep the id that comes back (a resumed session has a new one); when
  // another device took over, start anew on the next beat
  if (r.status === 200 && s.sessionId === sent) s.sessionId = r.body?.reason === 'superseded' ? null : r.body.session_id;
}

export async function endSession(w: World, i: number, tags: Tags): Promise<void> {
  const s = w.states[i];
  const id = s.sessionId;
  s.sessionId = null;
  if (!id) return;
  await call(w, { ...tags, endpoint: 'session_end' }, 'POST', `/viewing-time/session/${id}/end`, tokenOf(w, i), undefined, {
    'session end is 200 with ended_at': (x) => x.status === 200 && typeof x.body?.ended_at === 'string',
  });
}

export async function eligibility(w: World, i: number, tags: Tags): Promise<boolean> {
  const r = await call(w, { ...tags, endpoint: 'playback_eligible' }, 'GET', `/viewing-time/playback-eligible/${w.fx.viewers[i].profileId}`, tokenOf(w, i), undefined, {
    'eligibility is 200 with a verdict': (x) => x.status === 200 && typeof x.body?.eligible === 'boolean',
  });
  return r.status === 200 && r.body.eligible === true;
}

export async function balance(w: World, i: number, tags: Tags): Promise<void> {
  await call(w, { ...tags, endpoint: 'balance' }, 'GET', `/viewing-time/balance/${w.fx.viewers[i].profileId}`, tokenOf(w, i), undefined, {
    'balance is 200': (x) => x.status === 200 && typeof x.body?.used_minutes === 'number',
  });
}

/** One step of a viewer's day: check eligibility, start, beat N times (a few paused), end. */
export async function dayStep(w: World, i: number, tags: Tags): Promise<void> {
  const s = w.states[i];
  if (s.step === 'idle') {
    if (await eligibility(w, i, tags)) s.step = 'ready';
    return;
  }
  if (s.step === 'ready' || !s.sessionId) {
    const [min, max] = w.beatsPerSession;
    s.beatsLeft = min + Math.floor(Math.random() * (max - min + 1));
    s.step = 'watching';
    return startSession(w, i, tags);
  }
  if (s.beatsLeft-- > 0) return heartbeat(w, i, tags);
  s.step = 'idle';
  return endSession(w, i, tags);
}

// ---- parental endpoints (issue 4)

export async function pinVerify(w: World, h: number, tags: Tags): Promise<void> {
  await call(w, { ...tags, endpoint: 'pin_verify' }, 'POST', '/parental-controls/pin/verify', w.fx.households[h].token, { pin: w.fx.pin }, {
    'pin verify is 200 with a pin_token': (x) => x.status === 200 && typeof x.body?.pin_token === 'string',
  });
}

export async function weeklyReport(w: World, h: number, tags: Tags): Promise<void> {
  const kids = w.fx.reportHouseholds[h].kids.length;
  await call(w, { ...tags, endpoint: 'weekly_report' }, 'GET', '/parental-controls/weekly-report', w.fx.reportHouseholds[h].token, undefined, {
    'weekly report is 200 with every child': (x) => x.status === 200 && x.body?.profiles?.length === kids,
  });
}

export async function history(w: World, p: number, tags: Tags): Promise<void> {
  const hp = w.fx.historyProfiles[p];
  await call(w, { ...tags, endpoint: 'history' }, 'GET', `/parental-controls/profiles/${hp.profileId}/history`, hp.token, undefined, {
    'history is 200 with days': (x) => x.status === 200 && Array.isArray(x.body?.days) && x.body.days.length > 0,
  });
}

export async function grant(w: World, i: number, tags: Tags): Promise<void> {
  const path = `/parental-controls/profiles/${w.fx.viewers[i].profileId}/viewing-time/grant`;
  await call(w, { ...tags, endpoint: 'grant' }, 'POST', path, tokenOf(w, i), { minutes: 15, pin: w.fx.pin, device_id: 'load-parent-phone' }, {
    'grant is 201': (x) => x.status === 201 && typeof x.body?.grant_id === 'string',
  });
}
