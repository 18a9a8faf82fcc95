// The service process: configuration, storage and worker (the runtime, or with WORKER_PROCESS a worker child
// process), the HTTP/WebSocket server, and an orderly stop on SIGTERM/SIGINT (refuse new work, end subscriptions,
// drain the worker, close storage).
import { createLogger } from './logger.js';
import { configOrExit, run, stopOnSignals } from './process.js';
import { startRuntime } from './runtime.js';
import { createServer } from './server/app.js';
import { createMetrics } from './server/metrics.js';
import { startTracing } from './tracing/sdk.js';
import { startWorkerProcess } from './worker-process.js';

run(async () => {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  // The SDK only with a collector to send to: without one, @opentelemetry/api's calls are no-ops.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? startTracing(config.OTEL_SERVICE_NAME) : null;
  const metrics = createMetrics();
  const workerChild = config.WORKER_PROCESS && config.WORKER_CONCURRENCY > 0;
  const runtime = await startRuntime({
    config,
    logger,
    onAttempt: metrics.onAttempt,
    withWorker: config.WORKER_CONCURRENCY > 0 && !workerChild,
  });
  // Started once this process has migrated the database, so the two never race to create it.
  const worker = workerChild ? startWorkerProcess(logger) : undefined;
  await worker?.started;
  const server = await createServer({ runtime, config, logger, metrics });
  console.log(`listening on ${server.url}`);
  stopOnSignals(logger, async () => {
    await server.close();
    await Promise.all([worker?.stop(config.SHUTDOWN_GRACE_SECONDS * 1000), runtime.stop()]);
    await tracing?.shutdown();
  });
});
