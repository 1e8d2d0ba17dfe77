/** The one error hierarchy of the service; src/http/errors.ts maps kinds to HTTP statuses. */
export type ErrorKind =
  | 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'validation'
  | 'locked' | 'too_many' | 'unavailable' | 'precondition';

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly extra: Record<string, unknown>;
  constructor(kind: ErrorKind, code: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.kind = kind;
    this.code = code;
    this.extra = extra;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what.replace(/\s+/g, '_')}_not_found`, `${what} not found`);
export const forbidden = (detail: string, code = 'forbidden') => new AppError('forbidden', code, detail);
export const unauthorized = (detail: string, code = 'not_authenticated') => new AppError('unauthorized', code, detail);
export const conflict = (code: string, detail: string, extra: Record<string, unknown> = {}) => new AppError('conflict', code, detail, extra);
export const invalidField = (field: string, detail: string) => new AppError('validation', 'validation_error', `${field}: ${detail}`, { field });
