// The one place errors become answers (http/errors.ts toErrorResponse): each kind its status, the
// headers it carries, body-parser and zlib failures, and a generic 500 for anything unknown.
import { toErrorResponse } from '../../src/http/errors.ts';
import { AppError, conflict, forbidden, invalidField, notFound, unauthorized } from '../../src/domain/shared/errors.ts';

const status = (e: unknown) => toErrorResponse(e).status;

describe('toErrorResponse', () => {
  it('maps each domain error kind to its status, with detail and code', () => {
    expect(toErrorResponse(notFound('profile'))).toEqual({ status: 404, body: { detail: 'profile not found', code: 'profile_not_found' }, headers: {} });
    expect(status(unauthorized('x'))).toBe(401);
    expect(status(forbidden('x'))).toBe(403);
    expect(status(conflict('c', 'x'))).toBe(409);
    expect(toErrorResponse(invalidField('minutes', 'must be 15, 30 or 60')).body).toEqual({ detail: 'minutes: must be 15, 30 or 60', code: 'validation_error', field: 'minutes' });
    expect(status(new AppError('bad_request', 'b', 'x'))).toBe(400);
    expect(status(new AppError('precondition', 'p', 'x'))).toBe(412);
  });

  it('429 and 503 carry Retry-After; 423 carries X-Locked-Until and locked_until', () => {
    expect(toErrorResponse(new AppError('too_many', 'busy', 'x', { retry_after: 3 })).headers).toEqual({ 'Retry-After': '3' });
    expect(toErrorResponse(new AppError('unavailable', 'u', 'x', { retry_after: 1 }))).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    const locked = toErrorResponse(new AppError('locked', 'pin_locked', 'x', { locked_until: '2026-11-25T10:30:00.000Z' }));
    expect(locked).toMatchObject({ status: 423, headers: { 'X-Locked-Until': '2026-11-25T10:30:00.000Z' }, body: { locked_until: '2026-11-25T10:30:00.000Z' } });
  });

  it('the database away is a 503 with Retry-After, never a 500', () => {
    for (const code of ['ECONNREFUSED', '57P01', '08006', '53300']) {
      expect(toErrorResponse(Object.assign(new Error('down'), { code }))).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, body: { code: 'database_unavailable' } });
    }
    expect(status(new Error('x', { cause: Object.assign(new Error('down'), { code: 'ECONNRESET' }) }))).toBe(503);
  });

  it('body parser and zlib failures: 413, 415, 400; unknown methods 405/501', () => {
    expect(status({ type: 'entity.too.large', status: 413 })).toBe(413);
    expect(status({ type: 'encoding.unsupported', status: 415 })).toBe(415);
    expect(toErrorResponse({ code: 'Z_DATA_ERROR' }).body.code).toBe('bad_encoding');
    expect(toErrorResponse({ type: 'entity.parse.failed', status: 400 }).body.code).toBe('malformed_json');
    expect(toErrorResponse({ type: 'request.aborted', status: 400 }).body.code).toBe('bad_body');
    expect(status({ status: 405 })).toBe(405);
    expect(status({ status: 501 })).toBe(501);
  });

  it('anything else is a generic 500 that tells nothing of the error', () => {
    const r = toErrorResponse(new TypeError('secret internals at /srv/app.ts:1'));
    expect(r).toEqual({ status: 500, body: { detail: 'internal server error', code: 'internal_error' }, headers: {} });
  });
});
