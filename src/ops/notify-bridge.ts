import pg from 'pg';
import type { Logger } from 'pino';
import { dbAnswers, PG_KEEPALIVE } from '../db/db-errors.ts';
import type { Invalidation, InvalidationBus } from '../domain/shared/invalidation-bus.ts';

const CHANNEL = 'vtime_invalidate';
const MAX_BACKOFF_MS = 5_000;
/** Up to half of each wait is random, so the processes of a fleet do not all reconnect at once after a failover. */
const jittered = (ms: number) => ms / 2 + Math.random() * (ms / 2);

/**
 * Bridges the in-process invalidation bus across processes and machines through PostgreSQL
 * LISTEN/NOTIFY. Notifications sent while our listening connection is down are lost, so after a
 * reconnect every cache is flushed.
 */
export class NotifyBridge {
  readonly #url: string;
  readonly #bus: InvalidationBus;
  readonly #log: Logger;
  readonly #origin: string;
  #listener: pg.Client | null = null;
  #sender: pg.Pool;
  #stopped = false;
  #backoff = 100;
  // other channels on the same listening connection (live events): what to do on a notification and after a reconnect
  readonly #channels = new Map<string, { notify(payload: string): void; reconnected(): void }>();

  constructor(d: { url: string; bus: InvalidationBus; log: Logger; origin: string }) {
    this.#url = d.url;
    this.#bus = d.bus;
    this.#log = d.log;
    this.#origin = d.origin;
    this.#sender = new pg.Pool({ connectionString: d.url, max: 1, idleTimeoutMillis: 10_000, ...PG_KEEPALIVE });
    this.#sender.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.#connect(false);
    this.#bus.forwardTo((m) => void this.#send(m));
  }

  /** Listens on another channel too; after a reconnect (notifications meanwhile lost) `reconnected` runs. */
  async listen(channel: string, handlers: { notify(payload: string): void; reconnected(): void }): Promise<void> {
    this.#channels.set(channel, handlers);
    await this.#listener?.query(`listen ${pg.escapeIdentifier(channel)}`);
  }

  /** The backend pid of the listening connection (operations and tests). */
  async listenerPid(): Promise<number> {
    const r = await this.#listener!.query('select pg_backend_pid() as pid');
    return r.rows[0].pid as number;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#bus.forwardTo(null);
    await this.#listener?.end().catch(() => {});
    await this.#sender.end().catch(() => {});
  }

  async #send(m: Invalidation): Promise<void> {
    try {
      await this.#sender.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify({ origin: this.#origin, m })]);
    } catch (err) {
      this.#log.warn({ err, invalidation: m }, 'could not forward a cache invalidation to other processes');
    }
  }

  async #connect(isReconnect: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, ...PG_KEEPALIVE });
    client.on('error', (err) => this.#log.warn({ err: err.message }, 'invalidation listener connection failed'));
    client.on('end', () => this.#dropped(client));
    client.on('notification', (n) => (n.channel === CHANNEL ? this.#receive(n.payload) : this.#channels.get(n.channel)?.notify(n.payload ?? '')));
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    for (const channel of this.#channels.keys()) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    this.#listener = client;
    this.#backoff = 100;
    // which server answers: after a failover, the new primary's address (metrics db.primary_address)
    dbAnswers.primaryAddress = (await client.query<{ addr: string | null }>('select host(inet_server_addr()) as addr')).rows[0]?.addr ?? 'local socket';
    if (isReconnect) {
      for (const c of this.#channels.values()) c.reconnected();
      this.#bus.deliver({ entity: 'all' });
      this.#log.info('invalidation listener reconnected; caches flushed (notifications meanwhile may be lost)');
    }
  }

  #receive(payload: string | undefined): void {
    try {
      const { origin, m } = JSON.parse(payload ?? '') as { origin: string; m: Invalidation };
      if (origin === this.#origin) return; // already applied locally by publish()
      this.#bus.deliver(m);
    } catch {
      this.#log.warn({ payload }, 'ignored a malformed invalidation notification');
    }
  }

  #dropped(client: pg.Client): void {
    if (this.#stopped || client !== this.#listener) return;
    this.#listener = null;
    const retry = async () => {
      if (this.#stopped) return;
      try {
        await this.#connect(true);
      } catch {
        this.#backoff = Math.min(MAX_BACKOFF_MS, this.#backoff * 2);
        setTimeout(retry, jittered(this.#backoff)).unref();
      }
    };
    setTimeout(retry, jittered(this.#backoff)).unref();
  }
}
