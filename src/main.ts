// The service process: configuration, storage and worker (the runtime), the HTTP/WebSocket server, and
// an orderly stop on SIGTERM/SIGINT (refuse new work, end subscriptions, drain the worker, close storage).
import { createLogger } from './logger.js';
import { configOrExit, run, stopOnSignals } from './process.js';
import { startRuntime } from './runtime.js';
import { createServer } from './server/app.js';
import { createMetrics } from './server/metrics.js';
import { startTracing } from './tracing/sdk.js';

run(async () => {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  // The SDK only with a collector to send to: without one, @opentelemetry/api's calls are no-ops.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? startTracing(config.OTEL_SERVICE_NAME) : null;
  const metrics = createMetrics();
  const runtime = await startRuntime({ config, logger, onAttempt: metrics.onAttempt });
  const server = await createServer({ runtime, config, logger, metrics });
  console.log(`listening on ${server.url}`);
  stopOnSignals(logger, async () => {
    await server.close();
    await runtime.stop();
    await tracing?.shutdown();
  });
});
