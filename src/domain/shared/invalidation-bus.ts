import { EventEmitter } from 'node:events';

/** What changed: caches listen for these and drop the entry. */
export type Invalidation =
  | { entity: 'config'; id: string }
  | { entity: 'profile'; id: string }
  | { entity: 'user'; id: string }
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
