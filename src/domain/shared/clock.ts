/** Time comes from here, so tests can move it; the server's clock, never the client's. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
