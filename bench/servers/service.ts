// The real service for workloads 5 and 6, in its own process: startRuntime + createServer as src/main.ts
// runs them, on 127.0.0.1 in open mode, with no claiming worker (WORKER_CONCURRENCY=0: nothing competes
// with the API for the core), a queue cap out of reach, silent logs, and room for 10,000 subscribers
// from one address (100 subscriptions per socket, the server's cap, so up to 1,000 sockets). The fleet workloads
// (bench/fleet.ts) run it as the API-only process of a fleet on BENCH_DB (a PostgreSQL schema's URL; default a
// fresh SQLite file), with BENCH_POOL_SIZE connections.
import { createLogger } from '../../src/logger.js';
import { startRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { serveIpc } from './child.js';
import { benchServiceConfig } from './service-config.js';

const { config, cleanup } = benchServiceConfig('bench-service-', 0);
const logger = createLogger(config.LOG_LEVEL);
const metrics = createMetrics();
const runtime = await startRuntime({ config, logger, onAttempt: metrics.onAttempt });
const server = await createServer({ runtime, config, logger, metrics, closeGraceMs: 1000 });
serveIpc({ url: server.url, wsUrl: server.wsUrl }, async () => {
  await server.close();
  await runtime.stop(0);
  cleanup();
});
