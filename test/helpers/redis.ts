// Real Redis for tests: a key prefix of this run's own (never FLUSHALL: the server is shared), removed after. Without
// a server at TEST_REDIS_URL (default the local one) the Redis suites skip locally and FAIL under CI=true.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe } from 'vitest';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const available = await reachable();
if (!available) {
  const where = process.env.CI ? 'CI: the Redis tests will FAIL' : 'skipping the Redis tests';
  console.warn(`Redis is not reachable at ${REDIS_URL}; ${where}.`);
}

/** `describe` when Redis answers, or in CI (where a missing server must fail); else skipped. */
export const describeRedis = available || process.env.CI ? describe : describe.skip;

/** A prefix no other test or helper uses; `cleanup` deletes the keys under it (SCAN, never FLUSHALL). */
export function tempPrefix(): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `quote-queue-test:${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 100);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
