// k6 provides console, but @types/k6 does not declare it (and the DOM lib would declare far too much).
declare const console: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};

