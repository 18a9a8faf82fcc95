// A worker-only process: takes and processes messages from the same DATABASE_URL as the service, with no
// HTTP server. Stops like the service on SIGTERM/SIGINT (running attempts get SHUTDOWN_GRACE_SECONDS).
import { createLogger } from './logger.js';
import { configOrExit, run, stopOnSignals } from './process.js';
import { startRuntime } from './runtime.js';

run(async () => {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  if (config.WORKER_CONCURRENCY === 0) {
    process.stderr.write('WORKER_CONCURRENCY=0: a worker process needs at least 1\n');
    process.exit(1);
  }
  const runtime = await startRuntime({ config, logger, withWorker: true, api: false });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, database: config.DATABASE_URL }, 'worker started');
  console.log(`worker started (concurrency ${config.WORKER_CONCURRENCY})`);
  // Started by `npm start` with WORKER_PROCESS=true (worker-process.ts): tell it over the IPC channel, and stop
  // (draining, as on SIGTERM) should that process go away, even by kill -9.
  if (process.send) {
    process.send({ started: true });
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }

  stopOnSignals(logger, () => runtime.stop());
});
