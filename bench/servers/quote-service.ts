// The service as `npm start` runs it, for the real-quote workloads (bench/quotes.ts): startRuntime + createServer
// as src/main.ts runs them, the quote processor with the deterministic provider, WORKER_CONCURRENCY=10, the
// default log level (a line per attempt, to a stdout the bench drops), open mode on 127.0.0.1, on BENCH_DB
// (a SQLite file, or a postgres:// URL whose search_path is BENCH_PG_SCHEMA).
// On `seed` it stores that many quotes in one transaction, as the API stores each (parsed, automatic priority),
// and reports `drained` once as many attempts have completed, with the time and this process's CPU (every thread)
// since the commit; the seed names the processor they run with: the quote processor, or a no-op one (the
// engine's ceiling in the same process).
import postgres from 'postgres';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { newMessageId } from '../../src/queue/ids.js';
import type { Processor } from '../../src/queue/processor.js';
import type { Json, NewMessage } from '../../src/queue/types.js';
import type { AttemptInfo } from '../../src/queue/worker.js';
import { createQuoteProcessor } from '../../src/quote-processor.js';
import { autoPriority } from '../../src/quotes/priority.js';
import { parseSubmission } from '../../src/quotes/submission.js';
import { startRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { startTracing } from '../../src/tracing/sdk.js';
import { vacuumSchema } from '../pg.js';
import { quotePayload } from '../quote-payloads.js';
import { serveIpc, type ToChild } from './child.js';

const database = process.env.BENCH_DB;
if (!database) throw new Error('BENCH_DB: the SQLite file or postgres:// URL to serve');
/** On PostgreSQL, the schema BENCH_DB selects: VACUUM ANALYZE'd once a drain's quotes are stored. */
const pgSchema = process.env.BENCH_PG_SCHEMA;
const noop: Processor = {
  async process() {
    return { result: null, review: { required: false, reasons: [] } };
  },
};

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: database,
  // DATABASE_POOL_SIZE: its default (10 connections on PostgreSQL), as users run it.
  WORKER_CONCURRENCY: '10',
  MAX_QUEUE_SIZE: '10000000',
  // The webhook workload (bench/webhooks.ts) registers a receiver on 127.0.0.1; no other workload registers one.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  // The traced drain's encoding: the standard variable when the bench is run with it, else the default.
  OTEL_EXPORTER_OTLP_PROTOCOL: process.env.OTEL_EXPORTER_OTLP_PROTOCOL,
});
const logger = createLogger(config.LOG_LEVEL);
// The webhook workload's traced drain: spans exported over OTLP/HTTP to its receiver (BENCH_OTLP), as main.ts does.
const otlp = process.env.BENCH_OTLP;
if (otlp) {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp;
  startTracing('bench-quote-service', config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL);
}
const quotes = createQuoteProcessor({ processingDelayMs: config.PROCESSING_DELAY_MS });
let processor = quotes;
const metrics = createMetrics();
let drain: { expect: number; completed: number; t0: number; cpu0: NodeJS.CpuUsage } | null = null;
const onAttempt = (info: AttemptInfo) => {
  metrics.onAttempt(info);
  if (drain && info.outcome === 'COMPLETED' && ++drain.completed === drain.expect) {
    const cpu = process.cpuUsage(drain.cpu0);
    const seconds = (performance.now() - drain.t0) / 1000;
    process.send?.({ type: 'drained', count: drain.completed, seconds, cpuMicros: cpu.user + cpu.system });
  }
};
const runtime = await startRuntime({
  config,
  logger,
  onAttempt,
  processor: { process: (job, ctx) => processor.process(job, ctx) },
  // BENCH_WEBHOOK_INLINE=1: the webhook calls on the worker's event loop, as before the thread (bench/webhooks.ts --inline).
  webhookThread: process.env.BENCH_WEBHOOK_INLINE !== '1',
});
const server = await createServer({ runtime, config, logger, metrics, closeGraceMs: 1000 });

process.on('message', (m: ToChild) => {
  if (m.type !== 'seed') return;
  processor = m.processor === 'noop' ? noop : quotes;
  const now = new Date();
  const messages = Array.from({ length: m.n }, (_, i) => message(i, m.agentic, now));
  void runtime.store.enqueueMany(messages, { maxSize: config.MAX_QUEUE_SIZE }, now).then(async () => {
    drain = { expect: m.n, completed: 0, t0: performance.now(), cpu0: process.cpuUsage() };
    runtime.feed.nudge();
    // The local server has autovacuum off: the planner learns of the seeded rows from this, while the drain runs
    // (its worker is already at them; the clock runs from the commit).
    if (pgSchema) await analyze(database, pgSchema);
  });
});
serveIpc({ url: server.url, wsUrl: server.wsUrl }, async () => {
  await server.close();
  await runtime.stop(0);
});

async function analyze(url: string, schema: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await vacuumSchema(sql, schema);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function message(n: number, agentic: boolean, now: Date): NewMessage {
  const payload = parseSubmission(quotePayload(n));
  return {
    id: newMessageId(),
    priority: autoPriority(payload.coverageAmount),
    payload: payload as unknown as Json,
    options: agentic ? { useAgentic: true } : null,
    maxRetries: 3,
    timeoutSeconds: 300,
    owner: 'bench',
    idempotencyKey: null,
    createdAt: now,
  };
}
