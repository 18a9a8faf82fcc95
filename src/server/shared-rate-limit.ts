// One rate-limit budget per key across every API process (REDIS_URL): each request's cost is counted in Redis by
// rate-limiter-flexible's atomic script, in windows of one second per key. While Redis cannot answer, its
// insurance limiter (the same budget in this process's memory) takes over, so limits hold per process and nothing
// else stops; the connection logs the outage once (src/redis/connect.ts).
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { type RateLimiter, rateLimitedError } from './rate-limit.js';

export interface SharedRateLimiterOptions {
  redis: Redis;
  perSecond: number | undefined;
  /** Key prefix of this fleet (REDIS_PREFIX). */
  prefix: string;
}

export function createSharedRateLimiter(options: SharedRateLimiterOptions): RateLimiter {
  const { perSecond } = options;
  if (perSecond === undefined) return { take: () => {} };
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}rate`,
    points: perSecond,
    duration: 1,
    // While the connection is not ready, the insurance limiter answers at once rather than waiting for Redis.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: perSecond, duration: 1 }),
  });
  return {
    perSecond,
    async take(callerId, cost = 1, counted = cost) {
      // More than a window's budget can never pass: refused without spending anything.
      if (counted > perSecond) throw rateLimitedError(perSecond, counted, 1);
      try {
        await limiter.consume(callerId, cost);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // All or none: the refused request's points go back (best effort: the window ends soon anyway).
        void limiter.reward(callerId, cost).catch(() => {});
        throw rateLimitedError(perSecond, counted, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      }
    },
  };
}
