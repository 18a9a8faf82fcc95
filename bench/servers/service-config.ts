// The configuration the bench's service processes (service.ts, follow-service.ts) start with: 127.0.0.1 in open
// mode, a queue cap out of reach, silent logs, room for 1,000 sockets from one address, on BENCH_DB (a PostgreSQL
// schema's URL, with BENCH_POOL_SIZE connections) or else a fresh SQLite file that `cleanup` removes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config.js';

export function benchServiceConfig(
  tmpPrefix: string,
  workerConcurrency: number,
): { config: Config; cleanup(): void } {
  const dir = process.env.BENCH_DB ? null : mkdtempSync(join(tmpdir(), tmpPrefix));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: dir ? join(dir, 'quotes.db') : process.env.BENCH_DB!,
    ...(process.env.BENCH_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE } : {}),
    WORKER_CONCURRENCY: String(workerConcurrency),
    MAX_QUEUE_SIZE: '10000000',
    WS_MAX_CONNECTIONS_PER_CLIENT: '1000',
    LOG_LEVEL: 'silent',
  });
  return {
    config,
    cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
