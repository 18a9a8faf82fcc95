// A worker process for crash and multi-process tests: works on the database named by QUEUE_DB (a SQLite file or a
// PostgreSQL URL) and
// appends "id attempt pid" to PROCESSED_LOG as each attempt's work finishes (before its result is stored).
import { appendFileSync } from 'node:fs';
import { openStore } from '../../src/db/open-store.js';
import { createEventFeed, createQueueEvents } from '../../src/queue/events.js';
import { createWorker } from '../../src/queue/worker.js';
import { delay } from '../../src/quotes/delay.js';

const env = process.env;
const store = await openStore({
  DATABASE_URL: env.QUEUE_DB!,
  DATABASE_POOL_SIZE: 3,
  SQLITE_SYNCHRONOUS: 'NORMAL',
  SQLITE_MAX_PAGES: undefined,
});
const events = createQueueEvents();
const feed = createEventFeed({ store, events });
await feed.start();
const workMs = Number(env.WORK_MS ?? 5);
const worker = createWorker({
  store,
  events,
  feed,
  concurrency: Number(env.CONCURRENCY ?? 4),
  backoffBaseMs: 10,
  leaseMs: env.LEASE_MS ? Number(env.LEASE_MS) : undefined,
  reapMs: env.REAP_MS ? Number(env.REAP_MS) : undefined,
  processor: {
    async process(job, ctx) {
      await delay(workMs, ctx.signal);
      if (env.PROCESSED_LOG) appendFileSync(env.PROCESSED_LOG, `${job.id} ${job.attempt} ${process.pid}\n`);
      return { result: { by: process.pid }, review: { required: false, reasons: [] } };
    },
  },
});
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.stop(2000);
  feed.stop();
  await store.close();
  process.exit(0);
});
