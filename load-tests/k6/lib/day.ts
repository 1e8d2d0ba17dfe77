// day-in-the-life for k6. VUs share no memory, so each VU owns the viewers v ≡ (VU id − 1) mod
// (all VUs) and keeps their state itself; a viewer's pace then follows how often k6 hands its VU an
// iteration (close to, not exactly, the cadence the npm runner keeps).
import { check } from 'k6';
import exec from 'k6/execution';
import * as api from './api.ts';
import type { Plan } from './plan.ts';
import { tagsNow, type Fixture } from './suite.ts';

interface State { session: string | null; seq: number; left: number; step: 'idle' | 'ready' | 'watching' }

const states = new Map<number, State>();
let cursor = -1;

function nextOwned(p: Plan, n: number): number | null {
  const stride = p.streams.reduce((a, s) => a + s.maxVUs, 0);
  const first = exec.vu.idInTest - 1;
  if (first >= n) return null; // more VUs than viewers: this one owns none
  cursor = cursor < 0 ? first : cursor + stride < n ? cursor + stride : first;
  return cursor;
}

function eligible(v: api.Viewer, token: string, tags: api.Tags, timeout: string): boolean {
  const t = { ...tags, endpoint: 'playback_eligible' };
  const res = api.get(`/viewing-time/playback-eligible/${v.profileId}`, token, t, timeout);
  const b = api.json(res);
  check(res, { 'eligibility is 200 with a verdict': (r) => r.status === 200 && typeof b?.eligible === 'boolean' }, t);
  return b?.eligible === true;
}

function end(s: State, token: string, tags: api.Tags, timeout: string): void {
  const t = { ...tags, endpoint: 'session_end' };
  const res = api.post(`/viewing-time/session/${s.session}/end`, token, undefined, t, timeout);
  check(res, { 'session end is 200 with ended_at': (r) => r.status === 200 && typeof api.json(r)?.ended_at === 'string' }, t);
  s.session = null;
}

/** One step of one owned viewer: eligibility → start → N beats (a few paused) → end → idle. */
export function dayStep(p: Plan, fx: Fixture, stream: string): void {
  const i = nextOwned(p, fx.viewers.length);
  if (i === null) return;
  const v = fx.viewers[i];
  const token = fx.households[v.household].token;
  const tags = tagsNow(p, stream);
  const s = states.get(i) ?? { session: null, seq: 0, left: 0, step: 'idle' as const };
  states.set(i, s);
  if (s.step === 'idle') {
    if (eligible(v, token, tags, p.timeout)) s.step = 'ready';
  } else if (s.step === 'ready' || !s.session) {
    const [min, max] = p.def.day?.beatsPerSession ?? [10, 40];
    s.left = min + Math.floor(Math.random() * (max - min + 1));
    s.session = api.startSession(v, token, ++s.seq, tags, p.timeout);
    s.step = 'watching';
  } else if (s.left-- > 0) {
    s.session = api.heartbeat(v, token, s.session, ++s.seq, Math.random() < p.viewers.pausedShare, tags, p.timeout);
  } else {
    end(s, token, tags, p.timeout);
    s.step = 'idle';
  }
}
