import type { Context } from 'koa';
import { trustedProxies } from '../../src/config.ts';
import { clientAddress } from '../../src/http/client-address.ts';

const ctx = (peer: string, xff?: string) => ({
  req: { socket: { remoteAddress: peer } },
  get: (h: string) => (h.toLowerCase() === 'x-forwarded-for' ? xff ?? '' : ''),
}) as unknown as Context;

describe('the client address', () => {
  const trusted = trustedProxies(['10.0.0.5', '192.168.0.0/16', 'fd00::1']);

  it('is the socket peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientAddress(ctx('203.0.113.9', '1.2.3.4'), trusted)).toBe('203.0.113.9');
    expect(clientAddress(ctx('::ffff:203.0.113.9', '1.2.3.4'), trusted)).toBe('203.0.113.9');
    expect(clientAddress(ctx('203.0.113.9'), trustedProxies([]))).toBe('203.0.113.9');
  });

  it('behind a trusted proxy: the right-most entry that is not a trusted proxy', () => {
    expect(clientAddress(ctx('10.0.0.5', '198.51.100.7'), trusted)).toBe('198.51.100.7');
    // a client writing its own entries further left is not believed
    expect(clientAddress(ctx('10.0.0.5', '6.6.6.6, 198.51.100.7'), trusted)).toBe('198.51.100.7');
    // a chain of trusted proxies (CIDR range, IPv6) is walked through
    expect(clientAddress(ctx('::ffff:10.0.0.5', '198.51.100.7, 192.168.3.4'), trusted)).toBe('198.51.100.7');
    expect(clientAddress(ctx('fd00::1', '2001:db8::7'), trusted)).toBe('2001:db8::7');
  });

  it('stops at an entry that is not an address, and falls back to the proxy without a header', () => {
    expect(clientAddress(ctx('10.0.0.5', 'garbage, 198.51.100.7'), trusted)).toBe('198.51.100.7');
    expect(clientAddress(ctx('10.0.0.5', '198.51.100.7, garbage'), trusted)).toBe('10.0.0.5');
    expect(clientAddress(ctx('10.0.0.5'), trusted)).toBe('10.0.0.5');
  });
});
