// The live-events scenario's own part (npm runner only: k6 has no client for text/event-stream):
// parents open the PIN-verified window before the run, then at `live.from` of the run the streams
// open (a parent's and each child's device, per household, at most 10 per household) and stay
// open; every event a stream reads is measured from its created_at (written in the change's
// transaction) to the moment this process parsed it: the delivery a player sees.
import type { World } from './actions.ts';
import { closedLoop } from './arrival.ts';
import { API, type LiveDef } from './plan.ts';
import { phaseAt, type Plan } from './scenarios.ts';
import { summary } from './metrics.ts';
import { openSse, type SseStream } from './sse.ts';

const OPEN_AT_ONCE = 50;

export interface LiveSummary {
  wanted: number;
  opened: number;
  refused: Record<string, number>;
  /** Streams that ended before the run did (the service closed them, or the connection broke). */
  lost: number;
  events: number;
  openSeconds: number;
}

export class LiveStreams {
  readonly #w: World;
  readonly #baseUrl: string;
  readonly #def: LiveDef;
  readonly #plan: Plan;
  readonly #log: (m: string) => void;
  readonly #streams: SseStream[] = [];
  #t0 = 0;
  #closing = false;
  #opening: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly summary: LiveSummary;

  constructor(w: World, baseUrl: string, def: LiveDef, plan: Plan, log: (m: string) => void) {
    this.#w = w;
    this.#baseUrl = baseUrl;
    this.#def = def;
    this.#plan = plan;
    this.#log = log;
    this.summary = { wanted: def.streams, opened: 0, refused: {}, lost: 0, events: 0, openSeconds: 0 };
  }

  /** The first households' parents verify the PIN once: grants and approvals then carry the pin_token (valid 5 minutes), no PIN and no bcrypt. */
  async verify(): Promise<void> {
    const fx = this.#w.fx;
    const households = fx.households.slice(0, this.#def.verifiedHouseholds);
    const t0 = Date.now();
    const tokens: Record<number, string> = {};
    await closedLoop(households.length, 2, async (i) => {
      const r = await this.#w.client.request('POST', `${API}/parental-controls/pin/verify`, { token: households[i].token, body: { pin: fx.pin } });
      if (r.status === 200 && typeof (r.body as { pin_token?: unknown })?.pin_token === 'string') tokens[i] = (r.body as { pin_token: string }).pin_token;
    });
    const failed = households.length - Object.keys(tokens).length;
    (fx as { pinTokens?: Record<number, string> }).pinTokens = tokens;
    if (this.#plan.durationMs > 240_000) this.#log('note: pin_tokens last 5 minutes; grants and approvals after that answer 403');
    if (failed) throw new Error(`${failed} of ${households.length} PIN verifications failed before the run: grants and approvals would answer 403`);
    const first = new Set(households.map((_, i) => i));
    (fx as { verified?: number[] }).verified = fx.viewers.flatMap((v, i) => (first.has(v.household) ? [i] : []));
    this.#log(`${households.length} parents opened the PIN-verified window in ${((Date.now() - t0) / 1000).toFixed(1)} s (grants and approvals go to their ${fx.viewers.filter((v) => first.has(v.household)).length} children)`);
  }

  /** Called when the measured run starts: the streams open at `from` of it. */
  schedule(t0: number, durationMs: number): void {
    this.#t0 = t0;
    this.#timer = setTimeout(() => { this.#opening = this.#open(); }, this.#def.from * durationMs);
  }

  /** Stream paths, household by household (the parents', then each child's), the verified ones first. */
  #targets(): { path: string; token: string }[] {
    const out: { path: string; token: string }[] = [];
    for (const h of this.#w.fx.households) {
      for (const path of ['/parental-controls/events', ...h.kids.map((k) => `/viewing-time/events/${k}`)].slice(0, 10)) {
        if (out.length === this.#def.streams) return out;
        out.push({ path: API + path, token: h.token });
      }
    }
    return out;
  }

  async #open(): Promise<void> {
    const targets = this.#targets();
    if (targets.length < this.#def.streams) this.#log(`WARNING: the fixture has households for ${targets.length} streams of the ${this.#def.streams} asked for`);
    const t0 = Date.now();
    const m = this.#w.metrics;
    const phase = () => phaseAt(this.#plan.scenario.phases, (Date.now() - this.#t0) / this.#plan.durationMs);
    await closedLoop(targets.length, OPEN_AT_ONCE, async (k) => {
      const t = targets[k];
      if (this.#closing) return;
      try {
        const s = await openSse(this.#baseUrl, t.path, {
          token: t.token, keep: false, connectTimeoutMs: 10_000,
          onEvent: (e) => {
            if (typeof e.data?.created_at !== 'string') return;
            this.summary.events++;
            m.trend('event_delivery', { event: e.event, phase: phase() }, Math.max(0, Date.now() - Date.parse(e.data.created_at)));
          },
        });
        m.check('event stream opens (200)', s.status === 200);
        if (s.status !== 200) {
          const code = `${s.status} ${s.body?.code ?? ''}`.trim();
          this.summary.refused[code] = (this.summary.refused[code] ?? 0) + 1;
          return;
        }
        this.summary.opened++;
        this.#streams.push(s);
        void s.ended.then(() => { if (!this.#closing) this.summary.lost++; });
      } catch (e) {
        m.check('event stream opens (200)', false);
        const code = (e as Error).message.slice(0, 60);
        this.summary.refused[code] = (this.summary.refused[code] ?? 0) + 1;
      }
    });
    this.summary.openSeconds = (Date.now() - t0) / 1000;
    this.#log(`live events: ${this.summary.opened} of ${targets.length} streams open in ${this.summary.openSeconds.toFixed(1)} s` +
      (Object.keys(this.summary.refused).length ? `; refused: ${JSON.stringify(this.summary.refused)}` : ''));
  }

  /** As World.beside: the streams open during the run and close at its end. */
  beside(): NonNullable<World['beside']> {
    return { start: (t0, d) => this.schedule(t0, d), end: async () => ({ live: await this.close(), delivery: this.deliveryRows() }) };
  }

  /** Delivery by event type and phase, in ms. */
  deliveryRows(): { event: string; phase: string; count: number; p50: number; p95: number; p99: number; max: number }[] {
    const t = this.#w.metrics.trends.get('event_delivery');
    if (!t) return [];
    const rows = [];
    for (const event of [...t.tagValues('event'), 'all']) {
      for (const phase of t.tagValues('phase')) {
        const s = summary(t.select(event === 'all' ? { phase } : { event, phase }).duration);
        if (s.count) rows.push({ event, phase, count: s.count, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max });
      }
    }
    return rows;
  }

  /** Closes every stream (after the run); a stream that ended before this counts as lost. */
  async close(): Promise<LiveSummary> {
    this.#closing = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#opening;
    for (const s of this.#streams) s.close();
    this.#w.metrics.check('event stream stays open to the end', this.summary.lost === 0);
    const rows = this.deliveryRows();
    this.#log(`\nlive events: ${this.summary.opened} streams held (${this.summary.lost} lost), ${this.summary.events} events read; delivery (created_at in the change's transaction → parsed here), ms:`);
    for (const r of rows) this.#log(`  ${r.event.padEnd(16)} ${r.phase.padEnd(8)} ${String(r.count).padStart(6)}  p50 ${r.p50.toFixed(1).padStart(7)}  p95 ${r.p95.toFixed(1).padStart(7)}  p99 ${r.p99.toFixed(1).padStart(7)}  max ${r.max.toFixed(1).padStart(7)}`);
    return this.summary;
  }
}
