// A worker-only process: takes and processes messages from the same DATABASE_URL as the service, with no
// HTTP server. Stops like the service on SIGTERM/SIGINT (running attempts get SHUTDOWN_GRACE_SECONDS).
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startRuntime } from './runtime.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  if (config.WORKER_CONCURRENCY === 0) {
    process.stderr.write('WORKER_CONCURRENCY=0: a worker process needs at least 1\n');
    process.exit(1);
  }
  const runtime = await startRuntime({ config, logger, withWorker: true });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, database: config.DATABASE_URL }, 'worker started');
  console.log(`worker started (concurrency ${config.WORKER_CONCURRENCY})`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'worker stopping');
    try {
      await runtime.stop();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'worker stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
