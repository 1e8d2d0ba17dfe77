import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks in every line: credentials, PINs and tokens never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization', 'headers.authorization', 'authorization',
  'password', '*.password', 'new_password', '*.new_password', 'current_password', '*.current_password',
  'pin', '*.pin', 'new_pin', '*.new_pin', 'pin_token', '*.pin_token',
  'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'token', '*.token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
export type { Logger };
