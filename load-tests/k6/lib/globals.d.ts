// k6 provides console, but @types/k6 does not declare it (and the DOM lib would declare far too much).
declare const console: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};

// k6's own end-of-test summary as text, from its jslib (k6 fetches remote modules itself).
declare module 'https://jslib.k6.io/k6-summary/0.0.2/index.js' {
  export function textSummary(data: unknown, options?: { indent?: string; enableColors?: boolean }): string;
}
