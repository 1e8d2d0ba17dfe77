import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.ts';
import { notFound, unauthorized } from '../shared/errors.ts';
import type { InvalidationBus } from '../shared/invalidation-bus.ts';
import * as repo from './devices-repository.ts';
import type { Principal } from './tokens.ts';

const signedOut = () => unauthorized('this device was signed out by a parent: select the profile again from the household login', 'device_revoked');

/**
 * Kids devices: each profile-scoped token names a device row. The devices signed
 * out are few and change rarely, so every process keeps their ids in memory, loaded at start and
 * kept current through the invalidation bus (LISTEN/NOTIFY; reloaded after the listener
 * reconnects): checking a device costs a heartbeat no round trip. When a device was last seen is
 * also kept in memory and written about once a minute.
 */
export class Devices {
  readonly #em: EntityManager;
  readonly #bus: InvalidationBus;
  readonly #clock: Clock;
  #revoked = new Set<string>();
  readonly #seen = new Map<string, Date>();
  #timer: NodeJS.Timeout | null = null;

  constructor(d: { em: EntityManager; bus: InvalidationBus; clock: Clock }) {
    this.#em = d.em;
    this.#bus = d.bus;
    this.#clock = d.clock;
    d.bus.subscribe((m) => {
      if (m.entity === 'device') this.#revoked.add(m.id);
      else if (m.entity === 'all') void this.#load().catch(() => {}); // a reconnect: revocations meanwhile may have been missed
    });
  }

  async start(flushEveryMs = 60_000): Promise<void> {
    await this.#load();
    this.#timer = setInterval(() => void this.flush().catch(() => {}), flushEveryMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.flush().catch(() => {});
  }

  async #load(): Promise<void> {
    this.#revoked = new Set([...this.#revoked, ...await repo.revokedUnexpired(this.#em.fork(), this.#clock.now())]);
  }

  /** A kids device's token is refused (401) once the device is signed out; a household login passes. */
  check(p: Principal): void {
    if (p.scope !== 'profile') return;
    if (!p.deviceId || this.#revoked.has(p.deviceId)) throw signedOut();
    this.#seen.set(p.deviceId, this.#clock.now());
  }

  /** A new device for a kids profile: the id its token carries. */
  async register(userId: string, profileId: string, ttlSeconds: number): Promise<string> {
    const id = randomUUID();
    const now = this.#clock.now();
    await repo.create(this.#em, { id, userId, profileId, now, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) });
    return id;
  }

  async list(userId: string) {
    await this.flush();
    return (await repo.list(this.#em, userId, this.#clock.now())).map((d) => ({
      id: d.id, profile_id: d.profile_id, profile_name: d.profile_name, created_at: new Date(d.created_at).toISOString(),
      last_seen_at: d.last_seen_at ? new Date(d.last_seen_at).toISOString() : null, expires_at: new Date(d.expires_at).toISOString(),
    }));
  }

  /** Signs out one device (404 when it is not one of the household's signed-in devices), or all of them (id null). */
  async revoke(userId: string, id: string | null): Promise<string[]> {
    const ids = await this.revokeIn(this.#em, userId, id);
    if (id !== null && !ids.length) throw notFound('device');
    this.announce(ids);
    return ids;
  }

  /** Signs out devices in `em`'s transaction; the caller announces them once it has committed. */
  revokeIn(em: EntityManager, userId: string, id: string | null): Promise<string[]> {
    return repo.revoke(em, userId, id, this.#clock.now());
  }

  /** Every process (this one at once) refuses the devices from now on, and ends their live streams. */
  announce(ids: string[]): void {
    for (const d of ids) this.#bus.publish({ entity: 'device', id: d });
  }

  /** Writes when devices were last seen. */
  async flush(): Promise<void> {
    if (!this.#seen.size) return;
    const seen = [...this.#seen.entries()];
    this.#seen.clear();
    await repo.touch(this.#em.fork(), seen);
  }
}
