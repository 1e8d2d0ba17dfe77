// The parents' live stream (SSE). EventSource cannot send an Authorization header, so each
// connection first fetches a one-minute ticket; the console reconnects itself (a fresh ticket,
// the last event id it saw) rather than let EventSource retry with an expired ticket.
import { api } from './api.ts';

const PATH = '/api/v1/parental-controls/events';
const TYPES = ['time_request', 'grant', 'settings_changed', 'pause', 'break_started', 'limit_reached', 'resync'] as const;
export type LiveType = (typeof TYPES)[number];
export type LiveHandler = (type: LiveType, data: Record<string, any>) => void;

let source: EventSource | null = null;
let lastId: string | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
let backoff = 1000;
let running = false;
let handler: LiveHandler = () => {};
let onState: (live: boolean) => void = () => {};

export function startLive(h: LiveHandler, state: (live: boolean) => void): void {
  handler = h;
  onState = state;
  running = true;
  lastId = null;
  void connect();
}

export function stopLive(): void {
  running = false;
  clearTimeout(retry);
  source?.close();
  source = null;
}

function again(ms: number): void {
  source?.close();
  source = null;
  onState(false);
  clearTimeout(retry);
  if (running) retry = setTimeout(() => void connect(), ms);
}

async function connect(): Promise<void> {
  let ticket: string;
  try {
    ticket = (await api<{ ticket: string }>('POST', '/events/ticket', { path: PATH })).ticket;
  } catch {
    backoff = Math.min(backoff * 2, 30_000);
    return again(backoff);
  }
  if (!running) return;
  const query = new URLSearchParams({ ticket });
  if (lastId) query.set('last_event_id', lastId);
  const es = new EventSource(`${PATH}?${query}`);
  source = es;
  es.onopen = () => { backoff = 1000; onState(true); };
  es.onerror = () => again(backoff);
  for (const type of TYPES) {
    es.addEventListener(type, (ev) => {
      const m = ev as MessageEvent<string>;
      if (m.lastEventId) lastId = m.lastEventId;
      handler(type, JSON.parse(m.data || '{}'));
    });
  }
  // the process is stopping: resume on another from the last id it sent
  es.addEventListener('shutdown', (ev) => {
    const data = JSON.parse((ev as MessageEvent<string>).data || '{}');
    if (typeof data.last_event_id === 'string' && data.last_event_id !== '0') lastId = data.last_event_id;
    again(200);
  });
}
