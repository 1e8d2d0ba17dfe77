// The alerts scenario's receivers (npm runner only): a slow webhook receiver (it answers after
// `slowMs`) and a fast one, both on this machine, each subscribed to time_request.created for the
// households whose children ask for time during the run. The fast one measures delivery: from the
// event's timestamp (its row's created_at) to its arrival here. Installed with SQL before the run,
// like the rest of the fixture.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { World } from './actions.ts';
import { newHistogram, summary } from './metrics.ts';

/** Webhooks of a scenario: `households` (the PIN-verified ones first) get a slow and a fast one. */
export interface WebhooksDef { households: number; slowMs: number }

export class WebhookReceivers {
  readonly #def: WebhooksDef;
  readonly #log: (m: string) => void;
  readonly #servers: http.Server[] = [];
  readonly #w: World;
  #slow = 0;
  #slowOpen = 0;

  constructor(w: World, def: WebhooksDef, log: (m: string) => void) {
    this.#w = w;
    this.#def = def;
    this.#log = log;
  }

  async #listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 1;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.#servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  /** Starts both receivers and subscribes them (SQL) for the first `households` households of the fixture's emails. */
  async install(databaseUrl: string, emails: string[]): Promise<void> {
    const fast = await this.#listen((req, res) => {
      let raw = '';
      req.on('data', (c) => { raw += c; });
      req.on('end', () => {
        try {
          // webhook_delivery: from the event row's created_at to its arrival here (thresholds may name it)
          this.#w.metrics.trend('webhook_delivery', { receiver: 'fast' }, Math.max(0, Date.now() - Date.parse((JSON.parse(raw) as { timestamp: string }).timestamp)));
        } catch { /* not ours */ }
        res.writeHead(204).end();
      });
    });
    const slow = await this.#listen((req, res) => {
      this.#slowOpen++;
      req.resume();
      setTimeout(() => { this.#slow++; this.#slowOpen--; res.writeHead(204).end(); }, this.#def.slowMs);
    });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rowCount } = await db.query(`insert into webhooks (id, user_id, url, events, secret, created_at)
        select gen_random_uuid(), u.id, w.url, '{time_request.created}', 'whsec_' || encode(decode(md5(random()::text) || md5(random()::text), 'hex'), 'base64'), now()
          from users u, unnest($2::text[]) w(url) where u.email = any($1::text[])`, [emails.slice(0, this.#def.households), [slow, fast]]);
      this.#log(`webhooks: ${rowCount} installed (a ${this.#def.slowMs / 1000} s receiver and a fast one for each of ${Math.min(emails.length, this.#def.households)} households)`);
    } finally {
      await db.end();
    }
  }

  /** As World.beside: nothing to start; at the end, what the receivers saw. */
  beside(inner?: NonNullable<World['beside']>): NonNullable<World['beside']> {
    return {
      start: (t0, d) => inner?.start(t0, d),
      end: async () => {
        const before = inner ? await inner.end() : {};
        const t = this.#w.metrics.trends.get('webhook_delivery');
        const s = summary(t ? t.select({}).duration : newHistogram());
        this.#log(`\nwebhooks: fast receiver ${s.count} deliveries, event → arrival p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms, max ${s.max.toFixed(0)} ms; slow receiver ${this.#slow} answered, ${this.#slowOpen} still held`);
        for (const server of this.#servers) { server.closeAllConnections(); server.close(); }
        return { ...before, webhooks: { fast: { count: s.count, p50: s.p50, p95: s.p95, max: s.max }, slowAnswered: this.#slow, slowHeld: this.#slowOpen } };
      },
    };
  }
}
