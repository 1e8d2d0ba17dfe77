import { bodyHash, keeps } from '../../src/http/idempotency.ts';

describe('Idempotency-Key: what counts as the same body', () => {
  it('ignores key order at every depth, PIN proof and absent fields; any other difference counts', () => {
    const a = bodyHash({ minutes: 30, note: { b: 1, a: [1, 2] }, pin: '1234' });
    expect(bodyHash({ note: { a: [1, 2], b: 1 }, minutes: 30, pin_token: 'tok' })).toBe(a);
    expect(bodyHash({ minutes: 30, note: { a: [1, 2], b: 1 }, until: undefined })).toBe(a);
    expect(bodyHash({ minutes: 30, note: { a: [2, 1], b: 1 } })).not.toBe(a);
    expect(bodyHash({ minutes: null, note: { a: [1, 2], b: 1 } })).not.toBe(a);
    expect(bodyHash(undefined)).toBe(bodyHash({ pin: '1234' }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps 2xx and 4xx answers but 401, 423 and 429; never a 5xx', () => {
    expect([200, 201, 204, 400, 403, 404, 409, 422].every(keeps)).toBe(true);
    expect([401, 423, 429, 500, 503].some(keeps)).toBe(false);
  });
});
