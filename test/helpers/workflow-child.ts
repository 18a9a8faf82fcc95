// A real API and worker process for the workflow crash test, on the database QUEUE_DB, whose agentic workflow calls a
// fake outside service (outside the product): each call is appended to CALLS_LOG as "step pid" before it runs
// (synchronously, so a kill -9 cannot lose it), and with HANG_AT=<step> that step never answers until aborted.
import { appendFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createQuoteProcessor } from '../../src/quote-processor.js';
import { deterministicProvider } from '../../src/quotes/deterministic-provider.js';
import type { StepName, UnderwritingProvider } from '../../src/quotes/provider.js';
import { startRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';

const env = process.env;
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: env.QUEUE_DB!,
  DATABASE_POOL_SIZE: '3',
  WORKER_CONCURRENCY: '1',
  RETRY_BACKOFF_MS: '10',
  LOG_LEVEL: 'warn',
});

const called = (step: StepName) => appendFileSync(env.CALLS_LOG!, `${step} ${process.pid}\n`);
const hang = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
const outside =
  <I, O>(step: StepName, f: (input: I, signal: AbortSignal) => Promise<O>) =>
  (input: I, signal: AbortSignal): Promise<O> => {
    called(step);
    return env.HANG_AT === step ? hang(signal) : f(input, signal);
  };
const p = deterministicProvider;
const provider: UnderwritingProvider = {
  intake: outside('intake', p.intake),
  assessRisk: outside('risk-assessment', p.assessRisk),
  price: outside('pricing', p.price),
  checkCompliance: outside('compliance', p.checkCompliance),
  decide: outside('decision', p.decide),
};

const logger = createLogger(config.LOG_LEVEL);
const metrics = createMetrics();
const runtime = await startRuntime({
  config,
  logger,
  processor: createQuoteProcessor({ provider }),
  // Short leases: the process started after a kill -9 takes the dead one's message over within about a second.
  leaseMs: 1000,
  reapMs: 100,
});
const server = await createServer({ runtime, config, logger, metrics });
process.stdout.write(`listening on ${server.url}\n`);
process.on('SIGTERM', async () => {
  await server.close();
  await runtime.stop(500);
  process.exit(0);
});
