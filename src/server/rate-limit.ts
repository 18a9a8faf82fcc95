// Requests per second per caller (RATE_LIMIT_PER_SECOND): a token bucket in memory for each key, holding
// one second's worth, so short bursts pass and a sustained flood is refused with RATE_LIMITED.
import { RateLimitedError } from '../queue/errors.js';

export interface RateLimiter {
  /** Spends one token of `callerId`; throws RateLimitedError when none is left. */
  take(callerId: string): void;
}

export function createRateLimiter(
  perSecond: number | undefined,
  clock: () => number = Date.now,
): RateLimiter {
  if (perSecond === undefined) return { take: () => {} };
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(callerId) {
      const now = clock();
      const bucket = buckets.get(callerId) ?? { tokens: perSecond, at: now };
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      buckets.set(callerId, bucket);
      if (bucket.tokens < 1) {
        throw new RateLimitedError(
          `Too many requests: this key may make ${perSecond} per second; slow down and try again shortly`,
        );
      }
      bucket.tokens -= 1;
    },
  };
}
