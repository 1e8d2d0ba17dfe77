import { isIP, type BlockList } from 'node:net';
import type { Context } from 'koa';

const plain = (a: string) => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);
const family = (a: string) => (isIP(a) === 6 ? 'ipv6' : 'ipv4');

/**
 * The client's address: the socket's, or, when the socket's peer is a trusted proxy (TRUST_PROXY),
 * the X-Forwarded-For entry the nearest untrusted hop was seen from. Read right to left, so
 * entries a client wrote itself further left are never believed.
 */
export function clientAddress(ctx: Context, trusted: BlockList): string | null {
  const peer = ctx.req.socket.remoteAddress;
  if (!peer) return null;
  let address = plain(peer);
  if (!trusted.check(address, family(address))) return address;
  const hops = ctx.get('x-forwarded-for').split(',').map((h) => plain(h.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isIP(hops[i])) break; // not written by a proxy we know: stop at the last hop we can believe
    address = hops[i];
    if (!trusted.check(address, family(address))) break;
  }
  return address;
}
