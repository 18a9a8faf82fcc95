// One webhook call: a signed POST to a checked address, a 10-second limit, redirects never followed.
import { type Agent as HttpAgent, request as httpRequest } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './address.js';
import { sign } from './signature.js';

export const CALL_TIMEOUT_MS = 10_000;

export interface CallResult {
  ok: boolean;
  statusCode: number | null;
  /** Why it did not count as delivered. */
  error: string | null;
}

class CallTimeout extends Error {}

export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * POSTs `body` signed with `secret` to the resolved target. Node's http client follows no redirect, so a 3xx is
 * a failed call like any other non-2xx; the name is never resolved again (the `lookup` hands back the checked
 * address), while TLS still verifies the certificate for the URL's host name.
 */
export function callWebhook(
  target: ResolvedTarget,
  delivery: { id: string; secret: string; body: string },
  agents: Agents,
  now: Date,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<CallResult> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else callback(null, target.address, target.family);
  };
  const https = target.url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(target.url, {
      method: 'POST',
      agent: https ? agents.https : agents.http,
      lookup: pinned,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'quote-queue-webhooks',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(delivery.secret, delivery.id, timestamp, delivery.body),
      },
    });
    // One timer for the whole call, connection to status line (cheaper than an AbortSignal per call).
    const timer = setTimeout(() => req.destroy(new CallTimeout()), timeoutMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      const code = res.statusCode ?? 0;
      // The answer's body is not read: drained so the connection can be reused.
      res.resume();
      res.on('error', () => {});
      const ok = code >= 200 && code < 300;
      resolve({ ok, statusCode: code, error: ok ? null : `HTTP ${code}` });
    });
    req.on('error', (error: Error & { code?: string }) => {
      const reason =
        error instanceof CallTimeout || error.name === 'AbortError' || error.name === 'TimeoutError'
          ? 'timed out'
          : error.message;
      resolve({ ok: false, statusCode: null, error: `${error.code ? `${error.code}: ` : ''}${reason}` });
    });
    req.end(delivery.body);
  });
}
