// The submitting process of a chaos run: submits quotes at a steady pace through the queue service (the
// path the API takes) until CHAOS_SUBMIT_UNTIL, printing "accepted <id>" once each submission is acknowledged.
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import type { SubmitInput } from '../../src/queue/service.js';
import type { Priority } from '../../src/queue/types.js';
import { startRuntime } from '../../src/runtime.js';

const env = process.env;
const until = Number(env.CHAOS_SUBMIT_UNTIL);
const intervalMs = Number(env.CHAOS_INTERVAL_MS ?? 25);
const config = loadConfig({
  DATABASE_URL: env.CHAOS_DB,
  WORKER_CONCURRENCY: '0',
  ALLOW_FAULT_INJECTION: 'true',
  MAX_QUEUE_SIZE: '10000000',
  SHUTDOWN_GRACE_SECONDS: '1',
});
// stdout is the protocol with the runner, so logs go to stderr.
const logger = pino({ level: 'warn' }, pino.destination(2));
const runtime = await startRuntime({ config, logger, withWorker: false });
const actor = { id: 'chaos', name: 'chaos', role: 'admin' as const };
process.on('SIGTERM', () => void runtime.stop(0).then(() => process.exit(0)));

for (let n = 0; Date.now() < until; n++) {
  try {
    const { message } = await runtime.service.submit(actor, submission(n));
    // Written only after the commit: a kill between the two leaves an unacknowledged (not lost) message.
    process.stdout.write(`accepted ${message.id}\n`);
  } catch (error) {
    // Refused (e.g. STORAGE_UNAVAILABLE while a killed writer's lock clears): not accepted, so not counted.
    logger.warn({ err: error }, 'submission refused');
  }
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
await runtime.stop(0);
process.stdout.write('submitted\n');
process.exit(0);

/** A mix that exercises retries, dead-letters, long attempts (likely in flight at a kill) and progress. */
function submission(n: number): SubmitInput {
  const priorities: Priority[] = ['URGENT', 'HIGH', 'NORMAL', 'LOW'];
  return {
    payload: { applicantName: `Chaos ${n}`, address: `${n} Main St, Springfield`, coverageAmount: 250_000 },
    priority: n % 3 === 0 ? null : priorities[n % 4],
    idempotencyKey: `${process.pid}-${n}`,
    useAgentic: n % 7 === 0,
    maxRetries: n % 25 === 7 ? 1 : 3,
    simulate:
      n % 25 === 7
        ? { failAttempts: 20 }
        : n % 10 === 3
          ? { failAttempts: 1 }
          : n % 13 === 5
            ? { processingMs: 400 }
            : null,
  };
}
