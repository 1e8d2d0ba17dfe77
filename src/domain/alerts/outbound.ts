// Outbound targets (SPEC §4 "parent alerts"): webhook URLs and push endpoints. https (http only
// outside production); at creation the scheme and a literal address are checked; at each delivery
// every address the name resolves to is checked and the connection is made to a checked address
// (the lookup below is the connection's own: no second lookup a rebinding name could answer
// differently). Refused: every address that is not global unicast (RFC 6890 special-purpose
// ranges, IPv4-mapped forms included). OUTBOUND_ALLOW_PRIVATE_TARGETS lifts the address rule
// outside production only.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export const TARGET_REFUSED = 'target_refused';

/** A target refused by the rules above (recorded as a failed attempt, `last_error: target_refused`). */
export class TargetRefused extends Error {
  constructor(detail: string) {
    super(`${TARGET_REFUSED}: ${detail}`);
  }
}

export interface OutboundPolicy {
  production: boolean;
  allowPrivate: boolean;
}

// RFC 6890 (and its updates) special-purpose address blocks: none of them is a delivery target
const SPECIAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['192.175.48.0', 24],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) SPECIAL.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address an IPv4-mapped or -compatible IPv6 form stands for, if it is one. */
function embeddedV4(address: string): string | null {
  const m = /^::(?:ffff:(?:0{1,4}:)?)?((?:\d{1,3}\.){3}\d{1,3})$/i.exec(address);
  if (m) return m[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [a, b] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return null;
}

/** Whether an address is global unicast (not in any special-purpose block, mapped forms included). */
export function isGlobalUnicast(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !SPECIAL.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4 !== null) return !SPECIAL.check(v4, 'ipv4');
    if (/^::ffff:/i.test(address)) return false; // a mapped form this reading does not know: refuse it
    return !SPECIAL.check(address, 'ipv6');
  }
  return false;
}

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '');

/** Checks a target's URL as it is created: a problem (for a 422), or null. */
export function urlProblem(raw: string, policy: OutboundPolicy): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && !policy.production)) return policy.production ? 'must be https' : 'must be https (or http outside production)';
  if (u.username || u.password) return 'must not carry a user name or password';
  const host = hostOf(u);
  if (isIP(host) && !isGlobalUnicast(host) && !(policy.allowPrivate && !policy.production)) return `${TARGET_REFUSED}: ${host} is not a global unicast address`;
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connections (http.request's and https.Agent's option): resolves every
 * address of the name, refuses the connection unless each is global unicast, and connects to a
 * checked one.
 */
export function checkedLookup(policy: OutboundPolicy) {
  const open = policy.allowPrivate && !policy.production;
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...(options as object), all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => !isGlobalUnicast(a.address));
      if (bad && !open) return callback(Object.assign(new TargetRefused(`${hostname} resolves to ${bad.address}`), { code: 'ETARGETREFUSED' }), []);
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Checks a literal address in the URL at delivery (a name goes through checkedLookup instead). */
export function checkLiteral(url: URL, policy: OutboundPolicy): void {
  const host = hostOf(url);
  if (isIP(host) && !isGlobalUnicast(host) && !(policy.allowPrivate && !policy.production)) throw new TargetRefused(`${host} is not a global unicast address`);
}
