// Requests per second per caller (RATE_LIMIT_PER_SECOND): a token bucket in memory for each key, holding
// one second's worth, so short bursts pass and a sustained flood is refused with RATE_LIMITED. With REDIS_URL the
// budget is shared by every API process instead (shared-rate-limit.ts).
import { RateLimitedError } from '../queue/errors.js';

export interface RateLimiter {
  /** The budget per key and second; undefined when there is no limit. */
  readonly perSecond?: number;
  /**
   * Spends `cost` tokens of `callerId` (default 1), all or none: throws RateLimitedError, spending nothing,
   * when fewer are left. A cost above one second's budget can never pass. `counted`: how many requests the
   * whole request counts as, for the refusal's words (default `cost`).
   */
  take(callerId: string, cost?: number, counted?: number): void | Promise<void>;
}

/** The refusal, in words that say whether the request was too big or the key too fast. */
export function rateLimitedError(perSecond: number, counted: number, waitSeconds: number): RateLimitedError {
  return new RateLimitedError(
    // The transport spent one already: a request counted above one second's budget can never pass.
    counted > perSecond
      ? `This request counts as ${counted} requests (one per root field of a mutation and per item of a batch up to one second's budget), more than the ${perSecond} per second this key may make; split it`
      : `Too many requests: this key may make ${perSecond} per second${counted > 1 ? ` and this one counts as ${counted} (one per root field of a mutation and per item of a batch up to one second's budget)` : ''}; slow down and try again shortly`,
    waitSeconds,
  );
}

export function createRateLimiter(
  perSecond: number | undefined,
  clock: () => number = Date.now,
): RateLimiter {
  if (perSecond === undefined) return { take: () => {} };
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    perSecond,
    take(callerId, cost = 1, counted = cost) {
      const now = clock();
      const bucket = buckets.get(callerId) ?? { tokens: perSecond, at: now };
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      buckets.set(callerId, bucket);
      // Counted whole: the one token the transport took may have refilled since, but the request never fits.
      if (bucket.tokens < cost || counted > perSecond) {
        const wait = Math.max(1, Math.ceil((Math.min(cost, perSecond) - bucket.tokens) / perSecond));
        throw rateLimitedError(perSecond, counted, wait);
      }
      bucket.tokens -= cost;
    },
  };
}
