import { EventEmitter } from 'node:events';

/** What changed: caches listen for these and drop the entry. */
export type Invalidation =
  | { entity: 'config'; id: string }
  | { entity: 'profile'; id: string }
  | { entity: 'user'; id: string }
  /** A kids device signed out: its token is refused and its live streams end. */
  | { entity: 'device'; id: string }
  /** A login session (refresh-token family) ended: its live streams end. */
  | { entity: 'login'; id: string }
  | { entity: 'all' };

/**
 * In-process event emitter for cache invalidation. `publish` is what the domain calls after a
 * change; a bridge (LISTEN/NOTIFY) may forward it to other processes and call `deliver`.
 */
export class InvalidationBus {
  readonly #emitter = new EventEmitter();
  #forward: ((m: Invalidation) => void) | null = null;

  constructor() {
    this.#emitter.setMaxListeners(50);
  }

  publish(m: Invalidation): void {
    this.deliver(m);
    this.#forward?.(m);
  }

  deliver(m: Invalidation): void {
    this.#emitter.emit('invalidate', m);
  }

  subscribe(fn: (m: Invalidation) => void): void {
    this.#emitter.on('invalidate', fn);
  }

  /** Set by the cross-process bridge so local changes reach the other processes too. */
  forwardTo(fn: ((m: Invalidation) => void) | null): void {
    this.#forward = fn;
  }
}
