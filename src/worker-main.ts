// A worker-only process: takes and processes messages from the same DATABASE_URL as the service, with no
// HTTP server. Stops like the service on SIGTERM/SIGINT (running attempts get SHUTDOWN_GRACE_SECONDS).
import { engineOf } from './db/open-store.js';
import { createLogger } from './logger.js';
import { lowerProcessPriority } from './nice.js';
import { configOrExit, run, stopOnSignals } from './process.js';
import type { AttemptInfo } from './queue/worker.js';
import { startRuntime } from './runtime.js';
import { startTracing } from './tracing/sdk.js';
import type { AttemptTuple } from './worker-process.js';

/** SQLite: the gap after each settling commit while an API process may be writing, and how long a word holds. */
const SQLITE_GAP_MS = 2;
const WRITING_HOLD_MS = 500;
const ATTEMPTS_EVERY_MS = 200;

run(async () => {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  // The child of `npm start` (WORKER_PROCESS): underwriting yields the cores to the API's requests, first of all.
  if (process.send && config.WORKER_NICE > 0 && !lowerProcessPriority(config.WORKER_NICE)) {
    logger.warn({ nice: config.WORKER_NICE }, 'could not lower the worker process priority');
  }
  // The SDK only with a collector to send to: without one, @opentelemetry/api's calls are no-ops.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? startTracing(config.OTEL_SERVICE_NAME, config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)
    : null;
  if (config.WORKER_CONCURRENCY === 0) {
    process.stderr.write('WORKER_CONCURRENCY=0: a worker process needs at least 1\n');
    process.exit(1);
  }
  const relay = process.send ? attemptRelay() : undefined;
  const runtime = await startRuntime({
    config,
    logger,
    withWorker: true,
    api: false,
    onAttempt: relay?.onAttempt,
    settleGapMs: engineOf(config.DATABASE_URL) === 'sqlite' ? sqliteGap() : 0,
  });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, database: config.DATABASE_URL }, 'worker started');
  console.log(`worker started (concurrency ${config.WORKER_CONCURRENCY})`);
  // Started by `npm start` (worker-process.ts): tell it over the IPC channel, and stop
  // (draining, as on SIGTERM) should that process go away, even by kill -9.
  if (process.send) {
    process.send({ started: true });
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }

  stopOnSignals(logger, async () => {
    await runtime.stop();
    relay?.stop();
    await tracing?.shutdown();
  });
});

/**
 * Sharing a SQLite file's one write lock with an API process: a short gap after each settling commit lets its
 * submits in at their first retry. As `npm start`'s child, whose parent says when it submits, only while it does
 * (for WRITING_HOLD_MS after the last word), so with no submissions the worker drains at full speed; otherwise
 * (beside an API process it cannot hear) always.
 */
function sqliteGap(): number | (() => number) {
  if (!process.send) return SQLITE_GAP_MS;
  let lastWriting = -Infinity;
  process.on('message', (message: unknown) => {
    if ((message as { writing?: boolean } | null)?.writing) lastWriting = performance.now();
  });
  return () => (performance.now() - lastWriting < WRITING_HOLD_MS ? SQLITE_GAP_MS : 0);
}

/** As `npm start`'s child: its attempts go to the parent's /metrics, batched every ATTEMPTS_EVERY_MS. */
function attemptRelay() {
  let batch: AttemptTuple[] = [];
  const flush = () => {
    if (batch.length > 0 && process.connected) process.send!({ attempts: batch });
    batch = [];
  };
  const timer = setInterval(flush, ATTEMPTS_EVERY_MS);
  timer.unref();
  return {
    onAttempt(info: AttemptInfo) {
      batch.push([info.outcome, info.durationMs, info.stored?.status ?? null]);
    },
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}
