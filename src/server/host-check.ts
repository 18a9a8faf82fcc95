// Open mode answers only requests addressed to a loopback name: a DNS-rebinding page (evil.example resolved to
// 127.0.0.1) reaches the port as same-origin, but its requests still carry `Host: evil.example`. With API keys
// no Host check is needed: such a page cannot present a key it does not know.
import { isLoopback } from '../config.js';

/** True when `host` (a Host header, with or without a port) names this machine's loopback. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  // `[::1]:4000`, `[::1]`, `localhost:4000`, `127.0.0.1`: the name is what precedes an optional `:port`.
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.trim());
  // An IP literal of loopback cannot be rebound; `localhost` resolves here by definition (RFC 6761).
  return match?.[1] !== undefined && isLoopback(match[1]);
}

/** The words of the refusal: which hosts are answered and why. */
export const HOST_REFUSED =
  'This service runs without API keys (open mode) and answers only requests addressed to localhost, 127.0.0.1 or [::1]; use one of those in the URL, or set API_KEYS';
