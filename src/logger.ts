import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths pino blanks in every line: credentials, PINs and tokens never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization', 'headers.authorization', 'authorization',
  'password', '*.password', 'new_password', '*.new_password', 'current_password', '*.current_password',
  'pin', '*.pin', 'new_pin', '*.new_pin', 'pin_token', '*.pin_token',
  'access_token', '*.access_token', 'refresh_token', '*.refresh_token', 'token', '*.token',
  'ticket', '*.ticket', 'query.ticket',
];

/**
 * JSON lines (for log collectors), or pino-pretty's one readable line each when stdout is a
 * terminal. pino-pretty runs as a stream in this thread, not as a transport: no extra thread per
 * process, and nothing is lost when a process exits right after its last line.
 */
export function createLogger(level: string, destination?: DestinationStream, opts: { tty?: boolean } = {}): Logger {
  const tty = opts.tty ?? (destination === undefined && process.stdout.isTTY === true);
  const out = tty ? pretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname', destination: destination ?? 1 }) : destination;
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, out);
}
export type { Logger };
