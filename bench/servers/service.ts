// The real service for workloads 5 and 6, in its own process: startRuntime + createServer as src/main.ts
// runs them, on 127.0.0.1 in open mode, with no claiming worker (WORKER_CONCURRENCY=0: nothing competes
// with the API for the core), a queue cap out of reach, silent logs, and room for 10,000 subscribers
// from one address (100 subscriptions per socket, the server's cap, so up to 1,000 sockets). The fleet workloads
// (bench/fleet.ts) run it as the API-only process of a fleet on BENCH_DB (a PostgreSQL schema's URL; default a
// fresh SQLite file), with BENCH_POOL_SIZE connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { serveIpc } from './child.js';

const dir = process.env.BENCH_DB ? null : mkdtempSync(join(tmpdir(), 'bench-service-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: dir ? join(dir, 'quotes.db') : process.env.BENCH_DB!,
  ...(process.env.BENCH_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE } : {}),
  WORKER_CONCURRENCY: '0',
  MAX_QUEUE_SIZE: '10000000',
  WS_MAX_CONNECTIONS_PER_CLIENT: '1000',
  LOG_LEVEL: 'silent',
});
const logger = createLogger(config.LOG_LEVEL);
const metrics = createMetrics();
const runtime = await startRuntime({ config, logger, onAttempt: metrics.onAttempt });
const server = await createServer({ runtime, config, logger, metrics, closeGraceMs: 1000 });
serveIpc({ url: server.url, wsUrl: server.wsUrl }, async () => {
  await server.close();
  await runtime.stop(0);
  if (dir) rmSync(dir, { recursive: true, force: true });
});
