// Where one message's time goes on PostgreSQL, submit to committed completion, at a steady rate
// (`node --import tsx bench/pg-stages.ts [n] [rate]`; rate 0: one message at a time, each submitted once the one
// before completed, so no message waits behind another): our queue as bench/subjects/quote-queue-pg.ts runs it, each
// store call timed, and each message's moments (submit, enqueued / claimed / completed published) recorded.
import { openPostgres } from '../src/db/postgres/open.js';
import { createEventFeed, createQueueEvents } from '../src/queue/events.js';
import type { QueueStore } from '../src/queue/store.js';
import { createWorker } from '../src/queue/worker.js';
import { BENCH_PG_URL, benchSchema } from './pg.js';
import { percentile } from './stats.js';
import { newMessage } from './subjects/quote-queue.js';
import { benchPayload } from './subjects/subject.js';

const n = Number(process.argv[2] ?? 1000);
const rate = Number(process.argv[3] ?? 500);
const schema = await benchSchema('bench_stages');
const store = await openPostgres(BENCH_PG_URL, { schema: schema.name, poolSize: 10 });
const calls = new Map<string, number[]>();
for (const name of ['enqueue', 'claim', 'change', 'changeAndClaim', 'eventsAfter'] as const) {
  const method = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!.bind(
    store,
  );
  (store as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await method(...args);
    } finally {
      calls.set(name, [...(calls.get(name) ?? []), performance.now() - t0]);
    }
  };
}
const events = createQueueEvents();
const feed = createEventFeed({ store: store as QueueStore, events });
await feed.start();
const at = { submit: new Float64Array(n), enqueued: new Float64Array(n), claimed: new Float64Array(n) };
const took: Record<string, number[]> = { enqueued: [], claimed: [], completed: [], total: [] };
let left = n;
let completedOne: (() => void) | undefined;
let finished!: () => void;
const all = new Promise<void>((r) => {
  finished = r;
});
events.onChange((e) => {
  const i = (e.message.payload as { n: number }).n;
  const now = performance.now();
  if (e.kind === 'enqueued') {
    at.enqueued[i] = now;
    took.enqueued!.push(now - at.submit[i]!);
  } else if (e.kind === 'claimed') {
    at.claimed[i] = now;
    took.claimed!.push(now - at.enqueued[i]!);
  } else if (e.message.status === 'COMPLETED') {
    took.completed!.push(now - at.claimed[i]!);
    took.total!.push(now - at.submit[i]!);
    completedOne?.();
    if (--left === 0) finished();
  }
});
const worker = createWorker({
  store,
  events,
  feed,
  concurrency: 10,
  backoffBaseMs: 1000,
  processor: { process: async () => ({ result: null, review: { required: false, reasons: [] } }) },
});
await worker.start();
const t0 = performance.now();
const adds: Promise<unknown>[] = [];
for (let i = 0; i < n; i++) {
  if (rate === 0 && i > 0) await new Promise<void>((r) => (completedOne = r));
  const wait = rate === 0 ? 0 : t0 + (i * 1000) / rate - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  at.submit[i] = performance.now();
  const now = new Date();
  adds.push(
    store.enqueue(newMessage(benchPayload(i), now), { maxSize: 10_000_000 }, now).then(() => feed.nudge()),
  );
}
await Promise.all(adds);
await all;
const row = (name: string, xs: number[]) =>
  `${name.padEnd(34)} n=${String(xs.length).padStart(5)}  p50 ${percentile(xs, 50).toFixed(2)}  p95 ${percentile(xs, 95).toFixed(2)}  p99 ${percentile(xs, 99).toFixed(2)} ms`;
console.log(row('submit -> enqueued published', took.enqueued!));
console.log(row('enqueued -> claimed published', took.claimed!));
console.log(row('claimed -> completed published', took.completed!));
console.log(row('submit -> completed published', took.total!));
for (const [name, xs] of calls) console.log(row(`store.${name}`, xs));
await worker.stop(0);
feed.stop();
await store.close();
await schema.drop();
