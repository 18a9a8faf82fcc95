// The service process: configuration, storage and worker (a worker child process at a lower CPU priority by
// default, or with WORKER_PROCESS=false the runtime's own), the HTTP/WebSocket server, and an orderly stop on
// SIGTERM/SIGINT (refuse new work, end subscriptions, drain the worker, close storage). Before /ready turns 200 it warms its JIT for WARM_UP_MS (src/warm-up.ts).
import { engineOf } from './db/open-store.js';
import { createLogger } from './logger.js';
import { configOrExit, run, stopOnSignals } from './process.js';
import { startRuntime } from './runtime.js';
import { createServer } from './server/app.js';
import { createMetrics } from './server/metrics.js';
import { startTracing } from './tracing/sdk.js';
import { startWarmUp } from './warm-up.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

run(async () => {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  // The SDK only with a collector to send to: without one, @opentelemetry/api's calls are no-ops.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? startTracing(config.OTEL_SERVICE_NAME, config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)
    : null;
  const metrics = createMetrics();
  const workerChild = config.WORKER_PROCESS && config.WORKER_CONCURRENCY > 0;
  let worker: WorkerProcess | undefined;
  const runtime = await startRuntime({
    config,
    logger,
    onAttempt: metrics.onAttempt,
    withWorker: config.WORKER_CONCURRENCY > 0 && !workerChild,
    // SQLite: the child leaves the file's write lock gaps while this process submits (worker-main.ts).
    onEnqueue: engineOf(config.DATABASE_URL) === 'sqlite' ? () => worker?.writing() : undefined,
  });
  // Started once this process has migrated the database, so the two never race to create it.
  worker = workerChild ? startWorkerProcess(logger, metrics.onAttempt) : undefined;
  await worker?.started;
  let warming = config.WARM_UP_MS > 0;
  const server = await createServer({ runtime, config, logger, metrics, warmingUp: () => warming });
  console.log(`listening on ${server.url}`);
  const warmUp = warming
    ? startWarmUp({ config, logger, withWorker: runtime.worker !== undefined, durationMs: config.WARM_UP_MS })
    : undefined;
  stopOnSignals(logger, async () => {
    // A signal during the warm-up ends it and removes its scratch database before the real stop.
    await warmUp?.stop();
    await server.close();
    await Promise.all([worker?.stop(config.SHUTDOWN_GRACE_SECONDS * 1000), runtime.stop()]);
    await tracing?.shutdown();
  });
  await warmUp?.done;
  warming = false;
});
