// Live events of one service process: the events table is the source; a
// NOTIFY with the newest id wakes every process, which reads the rows after the last id it sent and
// writes each to the matching open streams. Ids follow commit order, so reading "after the last id"
// never skips one. Everything that reads or writes streams runs one step at a time (`#serial`), so
// a stream that joins with Last-Event-ID is caught up before live events reach it.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { AppError } from '../shared/errors.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import * as repo from './events-repository.ts';
import type { EventRow } from './events-repository.ts';

export interface Sink {
  write(text: string): void;
  end(): void;
}

export interface StreamRequest {
  household: string;
  /** A kids device's stream: that profile's events only; null: the parents' stream, every event of the household. */
  profile: string | null;
  /** A decimal event id (checked by the caller: at most 2^63 - 1), or null. */
  lastEventId: string | null;
  /** Who opened it: the stream ends when that kids device is signed out, or that login session ends. */
  deviceId: string | null;
  familyId: string | null;
  sink: Sink;
}

interface Stream extends StreamRequest {
  id: string;
  lastId: bigint;
}

export const MAX_STREAMS_PER_HOUSEHOLD = 10;
const KEEP_ALIVE_MS = 15_000;
const PAGE = 1000;
/** A stream that missed more than this gets `resync` rather than a flood. */
const REPLAY_MAX = 10_000;

const message = (e: EventRow) =>
  `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ type: e.type, profile_id: e.profile_id, created_at: new Date(e.created_at).toISOString(), ...e.payload })}\n\n`;

export class EventHub {
  readonly #em: EntityManager;
  readonly #processKey: string;
  readonly #freshSeconds: number;
  readonly #streams = new Map<string, Stream>();
  #cursor = 0n;
  #serial: Promise<void> = Promise.resolve();
  #pumping = false;
  #again = false;
  #keepAlive: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #onDelivered: (ms: number) => void;
  readonly #onError: (e: Error) => void;

  constructor(d: { em: EntityManager; bus: InvalidationBus; processKey: string; freshSeconds: number; onDelivered?: (ms: number) => void; onError?: (e: Error) => void }) {
    this.#em = d.em;
    d.bus.subscribe((m) => {
      if (m.entity === 'device') this.#end((s) => s.deviceId === m.id, 'this device was signed out by a parent');
      else if (m.entity === 'login') this.#end((s) => s.familyId === m.id, 'this login session ended (logout)');
    });
    this.#onError = d.onError ?? (() => {});
    this.#onDelivered = d.onDelivered ?? (() => {});
    this.#processKey = d.processKey;
    this.#freshSeconds = d.freshSeconds;
  }

  async start(): Promise<void> {
    this.#cursor = BigInt(await repo.lastId(this.#em));
    this.#keepAlive = setInterval(() => { for (const s of this.#streams.values()) s.sink.write(': keep-alive\n\n'); }, KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  /** A NOTIFY arrived (its payload: the newest id), or the listener reconnected (payload null). */
  wake(newest: string | null): void {
    if (this.#streams.size === 0 && newest !== null && /^\d+$/.test(newest)) {
      // nobody to write to: just remember how far the events go, so a new stream starts from here
      if (BigInt(newest) > this.#cursor) this.#cursor = BigInt(newest);
      return;
    }
    if (this.#pumping) { this.#again = true; return; }
    this.#pumping = true;
    void this.#run(async () => {
      try {
        do {
          this.#again = false;
          await this.#pump();
        } while (this.#again);
      } catch (e) {
        // the database away: the next NOTIFY (or the listener's reconnect) pumps again from the cursor
        this.#onError(e as Error);
      } finally {
        this.#pumping = false;
      }
    });
  }

  /**
   * Opens a stream: claims one of the household's places (429 when all are taken, cluster-wide),
   * then sends what it missed since Last-Event-ID (or `resync` when that id is unknown or older
   * than the events kept), then everything new.
   */
  async open(r: StreamRequest): Promise<{ close(): void }> {
    if (this.#closed) throw new AppError('unavailable', 'draining', 'this process is shutting down; reconnect', { retry_after: 1 });
    const id = randomUUID();
    const placed = await repo.openStream(this.#em, { household: r.household, stream: id, process: this.#processKey, limit: MAX_STREAMS_PER_HOUSEHOLD, freshSeconds: this.#freshSeconds });
    if (!placed) {
      throw new AppError('too_many', 'too_many_streams', `at most ${MAX_STREAMS_PER_HOUSEHOLD} live streams per household; close one first`, { retry_after: 30 });
    }
    const stream: Stream = { ...r, id, lastId: 0n };
    try {
      await this.#catchUp(stream);
    } catch (e) {
      // whatever failed, the place goes back: a stream that never opened must not hold it
      await repo.closeStreams(this.#em, [id]).catch(() => {});
      throw e;
    }
    return { close: () => this.#close(id) };
  }

  /** Sends what a new stream missed since Last-Event-ID (or `resync`), then makes it live. */
  #catchUp(stream: Stream): Promise<void> {
    const r = stream;
    return this.#run(async () => {
      stream.sink.write('retry: 2000\n\n');
      if (r.lastEventId !== null && await repo.known(this.#em, r.household, r.lastEventId)) {
        stream.lastId = BigInt(r.lastEventId);
        const missed = await repo.replay(this.#em, r.household, r.lastEventId, r.profile, REPLAY_MAX + 1);
        if (missed.length > REPLAY_MAX) {
          stream.sink.write(`event: resync\ndata: ${JSON.stringify({ reason: `more than ${REPLAY_MAX} events were missed: reload the state` })}\n\n`);
        } else {
          for (const e of missed) this.#send(stream, e);
        }
      } else {
        if (r.lastEventId !== null) stream.sink.write(`event: resync\ndata: ${JSON.stringify({ reason: 'the last event id is unknown or older than the events kept (24 h): reload the state' })}\n\n`);
      }
      if (stream.lastId < this.#cursor) stream.lastId = this.#cursor;
      this.#streams.set(stream.id, stream);
    });
  }

  /** Ends the streams `which` selects with a final event (they do not reconnect on their own: their token no longer works). */
  #end(which: (s: Stream) => boolean, reason: string): void {
    const ended = [...this.#streams.values()].filter(which);
    for (const s of ended) {
      s.sink.write(`event: signed_out\ndata: ${JSON.stringify({ reason })}\n\n`);
      s.sink.end();
      this.#close(s.id);
    }
  }

  /** Ends every stream with a final event, so clients reconnect (to another process) and resume by id. */
  async drain(): Promise<void> {
    this.#closed = true;
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    await this.#run(async () => {
      for (const s of this.#streams.values()) {
        s.sink.write(`event: shutdown\ndata: ${JSON.stringify({ reason: 'this service process is stopping: reconnect with Last-Event-ID', last_event_id: s.lastId.toString() })}\n\n`);
        s.sink.end();
      }
      const ids = [...this.#streams.keys()];
      this.#streams.clear();
      await repo.closeStreams(this.#em, ids).catch(() => {});
    });
  }

  #close(id: string): void {
    if (!this.#streams.delete(id)) return;
    repo.closeStreams(this.#em, [id]).catch(() => {});
  }

  async #pump(): Promise<void> {
    for (;;) {
      const rows = await repo.after(this.#em, this.#cursor.toString(), PAGE);
      for (const e of rows) {
        for (const s of this.#streams.values()) {
          if (s.household === e.household_id && (s.profile === null || s.profile === e.profile_id)) this.#send(s, e);
        }
        this.#cursor = BigInt(e.id);
      }
      if (rows.length < PAGE) return;
    }
  }

  #send(s: Stream, e: EventRow): void {
    const id = BigInt(e.id);
    if (id <= s.lastId) return;
    s.sink.write(message(e));
    s.lastId = id;
    this.#onDelivered(Date.now() - new Date(e.created_at).getTime());
  }

  /** One step at a time; a failing step (the database away) does not stop the next. */
  #run(step: () => Promise<void>): Promise<void> {
    const next = this.#serial.then(step);
    this.#serial = next.catch(() => {});
    return next;
  }
}
