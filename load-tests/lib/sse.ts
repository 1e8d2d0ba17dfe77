// A live-events (text/event-stream) client for the tests and the load runner: one stream on its
// own connection, its messages parsed by eventsource-parser, with the process that serves it.
import http from 'node:http';
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: any;
  /** When this client read it (ms, performance.now() clock of this process). */
  at: number;
}

export interface SseStream {
  status: number;
  /** The process that answered (X-Served-By). */
  servedBy: number;
  headers: http.IncomingHttpHeaders;
  /** The body when the answer is not a stream (an error). */
  body: any;
  events: SseEvent[];
  comments: number;
  /** Resolves when the server ended the stream (or it failed). */
  ended: Promise<void>;
  /** The first event matching `match` from index `from` on (default: any, also one already received). */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  close(): void;
}

export interface SseOptions {
  token?: string;
  lastEventId?: string;
  /** Extra headers and a connection agent (load runs use a keep-alive-less agent). */
  headers?: Record<string, string>;
  connectTimeoutMs?: number;
  /** Called with each event as it is read (the load runner measures delivery here). */
  onEvent?: (e: SseEvent) => void;
  /** Keep every event in `events` (default); a load run's thousand streams keep none. */
  keep?: boolean;
}

/** Opens a stream; resolves once the response headers arrived (a non-200 answer carries its body). */
export function openSse(base: string, path: string, opts: SseOptions = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, {
      method: 'GET', agent: false,
      headers: {
        accept: 'text/event-stream', ...opts.headers,
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.lastEventId !== undefined ? { 'last-event-id': opts.lastEventId } : {}),
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${opts.connectTimeoutMs ?? 5000} ms: GET ${path}`)), opts.connectTimeoutMs ?? 5000);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.on('response', (res) => {
      clearTimeout(timer);
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => { endedResolve = r; });
      const stream: SseStream = {
        status: res.statusCode ?? 0, servedBy: Number(res.headers['x-served-by']), headers: res.headers, body: undefined, events, comments: 0, ended,
        next(match, timeoutMs = 5000, from = 0) {
          return new Promise((ok, fail) => {
            let i = from;
            const check = () => {
              for (; i < events.length; i++) if (match(events[i])) { done(); ok(events[i]); return true; }
              return false;
            };
            const onEnd = () => { if (!check()) { done(); fail(new Error(`stream ${path} ended before the event came`)); } };
            const t = setTimeout(() => { done(); fail(new Error(`no matching event on ${path} in ${timeoutMs} ms; seen: ${events.map((e) => e.event).join(',')}`)); }, timeoutMs);
            const done = () => { clearTimeout(t); waiters.delete(check); };
            if (check()) return;
            waiters.add(check);
            void ended.then(onEnd);
          });
        },
        close() { req.destroy(); },
      };
      if (stream.status !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => { try { stream.body = JSON.parse(text); } catch { stream.body = text; } endedResolve(); resolve(stream); });
        return;
      }
      const parser = createParser({
        onEvent(m) {
          let data: unknown = m.data;
          try { data = JSON.parse(m.data); } catch { /* text */ }
          const e = { id: m.id, event: m.event ?? 'message', data, at: performance.now() };
          opts.onEvent?.(e);
          if (opts.keep !== false) events.push(e);
          for (const w of [...waiters]) w();
        },
        onComment() { stream.comments++; },
      });
      res.setEncoding('utf8');
      res.on('data', (c: string) => parser.feed(c));
      res.on('end', endedResolve);
      res.on('close', endedResolve);
      res.on('error', endedResolve);
      resolve(stream);
    });
    req.end();
  });
}
