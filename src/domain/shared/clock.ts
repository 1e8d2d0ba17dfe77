import { readFileSync } from 'node:fs';

/** Time comes from here, so tests can move it; the server's clock, never the client's. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/**
 * The shared test clock: every process of a cluster, and so every `p_now` sent to SQL,
 * reads the same instant from one file that a test writes. Outside production only (config.ts).
 */
export function fileClock(file: string): Clock {
  return {
    now: () => {
      const text = readFileSync(file, 'utf8').trim();
      const t = Date.parse(text);
      if (Number.isNaN(t)) throw new Error(`the test clock file holds no instant: ${JSON.stringify(text)}`);
      return new Date(t);
    },
  };
}
