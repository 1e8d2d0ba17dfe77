// Errors as sentences a parent can act on, never bare status codes.
import { ApiError } from './api.ts';
import { clock, duration, relative } from './format.ts';

const wait = (seconds: number | null) => (seconds === null ? 'a moment' : seconds < 90 ? `${seconds} seconds` : duration(seconds / 60));

const BY_CODE: Record<string, string> = {
  pin_incorrect: 'That PIN is not right. Please try again.',
  request_answered: 'This request has already been answered.',
  request_expired: 'This request expired at the end of its viewing day.',
  version_conflict: 'Someone else changed these settings meanwhile. The form now shows their values: make your change again if it is still needed.',
  pin_not_set: 'No parental PIN is set for this account yet.',
};

export function lockedSentence(e: ApiError): string {
  const until = typeof e.body.locked_until === 'string' ? e.body.locked_until : null;
  if (!until) return 'PIN checks are locked after too many wrong attempts. Please try again later.';
  return `PIN checks are locked after too many wrong attempts, until ${clock(until)} (${relative(until)}).`;
}

/** The sentence for any failure of an API call (or of the network under it). */
export function sentence(e: unknown): string {
  if (!(e instanceof ApiError)) {
    return e instanceof TypeError ? 'The service cannot be reached. Check the connection and try again.' : `Something went wrong: ${String((e as Error)?.message ?? e)}`;
  }
  if (BY_CODE[e.code]) return BY_CODE[e.code];
  if (e.status === 423) return lockedSentence(e);
  if (e.status === 429) return `Too many attempts just now: ${e.message}. Please wait ${wait(e.retryAfter)} and try again.`;
  if (e.status === 503) return `The service is briefly unavailable. Please try again in ${wait(e.retryAfter)}.`;
  if (e.status === 401) return 'The email or password is not right.';
  if (e.status === 403) return 'This login may not do that.';
  if (e.status >= 500) return 'The service had a problem answering. Please try again.';
  const text = e.message.charAt(0).toUpperCase() + e.message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
