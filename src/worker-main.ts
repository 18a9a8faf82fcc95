// A worker-only process: takes and processes messages from the same DATABASE_URL as the service, with no
// HTTP server. Stops like the service on SIGTERM/SIGINT (running attempts get SHUTDOWN_GRACE_SECONDS).
import { engineOf } from './db/open-store.js';
import { createLogger } from './logger.js';
import { configOrExit, run, stopOnSignals } from './process.js';
import { startRuntime } from './runtime.js';
import { startTracing } from './tracing/sdk.js';

run(async () => {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  // The SDK only with a collector to send to: without one, @opentelemetry/api's calls are no-ops.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? startTracing(config.OTEL_SERVICE_NAME) : null;
  if (config.WORKER_CONCURRENCY === 0) {
    process.stderr.write('WORKER_CONCURRENCY=0: a worker process needs at least 1\n');
    process.exit(1);
  }
  const runtime = await startRuntime({
    config,
    logger,
    withWorker: true,
    api: false,
    // Sharing a SQLite file's one write lock with an API process (npm start's, or WORKER_PROCESS's parent): a short
    // gap after each settling commit lets its submits in at their first retry.
    settleGapMs: engineOf(config.DATABASE_URL) === 'sqlite' ? 2 : 0,
  });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, database: config.DATABASE_URL }, 'worker started');
  console.log(`worker started (concurrency ${config.WORKER_CONCURRENCY})`);
  // Started by `npm start` with WORKER_PROCESS=true (worker-process.ts): tell it over the IPC channel, and stop
  // (draining, as on SIGTERM) should that process go away, even by kill -9.
  if (process.send) {
    process.send({ started: true });
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }

  stopOnSignals(logger, async () => {
    await runtime.stop();
    await tracing?.shutdown();
  });
});
