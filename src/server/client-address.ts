// The client address that per-address limits count (WebSockets per address, wrong keys per address): the direct
// peer, or, when that peer is a trusted proxy (TRUST_PROXY), the address it forwarded in X-Forwarded-For.
//
// proxy-addr (Express's own) walks X-Forwarded-For from the nearest hop back and stops at the first address that
// is not a trusted proxy, so a client cannot pick its address by sending the header itself: the entries it wrote
// sit behind the proxy's and are never reached unless every hop before them is trusted. It matches IPv4 and IPv6
// CIDR ranges (and IPv4-mapped IPv6 peers) with ipaddr.js.
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** The address a request's per-address limits count; `unknown` when the socket has none (already closed). */
export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * `trusted`: TRUST_PROXY's addresses, CIDR ranges or proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`).
 * Empty or undefined: the direct peer, whatever the headers say.
 */
export function clientAddress(trusted: readonly string[] | undefined): ClientAddressOf {
  if (!trusted || trusted.length === 0) return (req) => req.socket.remoteAddress ?? 'unknown';
  const trust = proxyAddr.compile([...trusted]);
  return (req) => {
    if (!req.socket.remoteAddress) return 'unknown';
    return proxyAddr(req, trust);
  };
}
