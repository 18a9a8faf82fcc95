// Server-side request forgery guard: a webhook URL must be https and resolve only to public unicast addresses,
// checked when it is created and again before each call (DNS may change), unless private networks are allowed.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export class TargetRefused extends Error {}

export interface ResolvedTarget {
  url: URL;
  /** The checked address to connect to (the call never resolves the name again). */
  address: string;
  family: 4 | 6;
}

/** Parses and checks the URL's form: http(s) only, https unless private networks are allowed, no credentials. */
export function parseTarget(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('not a valid URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    throw new TargetRefused(allowPrivate ? 'must be an http or https URL' : 'must be an https URL');
  if (url.username || url.password) throw new TargetRefused('must not carry credentials');
  if (raw.length > 2000) throw new TargetRefused('at most 2000 characters');
  return url;
}

/**
 * Resolves the URL's host and checks every address it resolves to; refuses loopback, private, link-local (the
 * cloud metadata address among them), multicast and every other range that is not public unicast, unless
 * `allowPrivate`. Returns the first address, the one to connect to.
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  const url = parseTarget(raw, allowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await withTimeout(lookup(host, { all: true, verbatim: true }), RESOLVE_TIMEOUT_MS);
    } catch {
      throw new TargetRefused(`the host ${host} cannot be resolved`);
    }
  }
  if (addresses.length === 0) throw new TargetRefused(`the host ${host} cannot be resolved`);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const range = rangeOf(address);
      if (range !== 'unicast')
        throw new TargetRefused(`resolves to a ${range} address, which is not allowed`);
    }
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Resolution counts against the call's time: a name that takes longer is a failed call. */
const RESOLVE_TIMEOUT_MS = 3000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** ipaddr.js's range name of an address; IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry. */
export function rangeOf(address: string): string {
  try {
    return ipaddr.process(address).range();
  } catch {
    return 'invalid';
  }
}
