// One webhook call: a signed POST to a checked address, a 10-second limit, redirects never followed.
import type { LookupFunction } from 'node:net';
import { type Dispatcher, Pool } from 'undici';
import type { ResolvedTarget } from './address.js';
import { sign } from './signature.js';

export const CALL_TIMEOUT_MS = 10_000;
/** Pools kept at once; the least recently used one is closed past it (targets whose DNS answers keep changing). */
const MAX_POOLS = 64;

export interface CallResult {
  ok: boolean;
  statusCode: number | null;
  /** Why it did not count as delivered. */
  error: string | null;
}

class CallTimeout extends Error {
  override name = 'CallTimeout';
}

/**
 * undici's connection pools, one per target origin and checked address, each of at most `connections`
 * connections. Keyed by the address too, so a pool's connections only ever go to the address it was made for.
 */
export class Pools {
  readonly #pools = new Map<string, Pool>();
  readonly #connections: number;

  constructor(connections: number) {
    this.#connections = connections;
  }

  get(target: ResolvedTarget): Pool {
    const key = `${target.url.origin} ${target.address}`;
    let pool = this.#pools.get(key);
    if (pool) {
      // Most recently used last, so the first key is the one to evict.
      this.#pools.delete(key);
      this.#pools.set(key, pool);
      return pool;
    }
    const { address, family } = target;
    // The name is never resolved again: every connection goes to the checked address, while TLS still sends
    // and verifies the URL's host name (undici takes the servername from the origin, not from the lookup).
    const lookup: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all)
        (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
          { address, family },
        ]);
      else callback(null, address, family);
    };
    pool = new Pool(target.url.origin, {
      connections: this.#connections,
      connect: { lookup, timeout: CALL_TIMEOUT_MS },
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
    });
    this.#pools.set(key, pool);
    if (this.#pools.size > MAX_POOLS) {
      const [oldest, evicted] = this.#pools.entries().next().value as [string, Pool];
      this.#pools.delete(oldest);
      // close() lets the calls it holds finish first.
      evicted.close().catch(() => {});
    }
    return pool;
  }

  /** Ends every connection at once (the dispatcher's calls have all settled by then). */
  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
  }
}

/**
 * POSTs `body` signed with `secret` to the resolved target through its pool. undici's dispatch follows no
 * redirect, so a 3xx is a failed call like any other non-2xx. The answer's body is read and dropped, so the
 * connection goes back to the pool.
 */
export function callWebhook(
  target: ResolvedTarget,
  delivery: { id: string; secret: string; body: string },
  pools: Pools,
  now: Date,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<CallResult> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const url = target.url;
  return new Promise((resolve) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | null = null;
    const settle = (result: CallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    // One timer for the whole call, connection to status line; before the request reaches a socket there is
    // nothing to abort yet, so the call is answered now and aborted as soon as it starts.
    const timer = setTimeout(() => {
      settle({ ok: false, statusCode: null, error: 'timed out' });
      controller?.abort(new CallTimeout());
    }, timeoutMs);
    pools.get(target).dispatch(
      {
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'quote-queue-webhooks',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(delivery.secret, delivery.id, timestamp, delivery.body),
        },
        body: delivery.body,
      },
      {
        onRequestStart(c) {
          controller = c;
          if (settled) c.abort(new CallTimeout());
        },
        onResponseStart(_c, code) {
          if (code < 200) return; // an informational answer; the real one follows
          const ok = code < 300;
          settle({ ok, statusCode: code, error: ok ? null : `HTTP ${code}` });
        },
        onResponseData() {},
        onResponseEnd() {},
        onResponseError(_c, error: Error & { code?: string }) {
          const reason =
            error instanceof CallTimeout || error.name.endsWith('TimeoutError') ? 'timed out' : error.message;
          settle({ ok: false, statusCode: null, error: `${error.code ? `${error.code}: ` : ''}${reason}` });
        },
      },
    );
  });
}
