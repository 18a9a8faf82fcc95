// A Redis connection (ioredis) that never holds the process up: it connects in the background, commands fail at
// once while it is down (no offline queue), it reconnects by itself, and an outage is logged once as a warning.
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** `use` names what the connection is for in the log lines (rate limits, wake-ups). */
export function connectRedis(url: string, logger: Logger, use: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    // Keeps trying for as long as the process runs, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: err.message, use }, 'Redis unreachable: carrying on without it until it returns');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ use }, 'Redis reachable again');
  });
  return redis;
}
