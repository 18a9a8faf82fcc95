// A real queue (a SQLite file or a PostgreSQL schema, events, feed, workers) for tests, with the work supplied by
// the test.
// The processor is the queue's plug-in point: tests script it to stand for the work (the quote processor
// has its own tests, and the end-to-end tests run it for real).
import {
  createEventFeed,
  createQueueEvents,
  type EventFeed,
  type QueueEvents,
} from '../../src/queue/events.js';
import type { ClaimedMessage, ProcessContext, ProcessOutcome, Processor } from '../../src/queue/processor.js';
import type { QueueStore } from '../../src/queue/store.js';
import type { Message, MessageEvent, NewMessage } from '../../src/queue/types.js';
import { createWorker, type Worker, type WorkerOptions } from '../../src/queue/worker.js';
import type { Engine } from './databases.js';
import { newMessage } from './messages.js';
import { type TempSchema, tempSchema } from './postgres.js';
import { type TempDb, tempDb } from './sqlite.js';

export const DONE: ProcessOutcome = { result: { ok: true }, review: { required: false, reasons: [] } };

export function processor(
  fn: (job: ClaimedMessage, ctx: ProcessContext) => Promise<ProcessOutcome>,
): Processor {
  return { process: fn };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export interface TestQueue {
  /** The SQLite file (SQLite only). */
  db: TempDb | undefined;
  /** The database as a DATABASE_URL (the SQLite file's path, or the PostgreSQL schema's URL), for a child process. */
  url: string;
  store: QueueStore;
  /** Another store on the same database: another connection, as another process would have. */
  openOther(): Promise<QueueStore>;
  events: QueueEvents;
  feed: EventFeed;
  workers: Worker[];
  startWorker(options: Partial<WorkerOptions> & { processor: Processor }): Promise<Worker>;
  enqueue(over?: Partial<NewMessage>): Promise<Message>;
  /** Resolves with the first event (already published or to come) that matches. */
  waitFor(match: (e: MessageEvent) => boolean, timeoutMs?: number): Promise<MessageEvent>;
  /** Resolves when every listed message is in a final state. */
  waitAllFinal(ids: string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestQueue(engine: Engine = 'SQLite'): Promise<TestQueue> {
  let db: TempDb | undefined;
  let schema: TempSchema | undefined;
  let store: QueueStore;
  if (engine === 'SQLite') {
    db = tempDb();
    store = db.open();
  } else {
    schema = await tempSchema();
    store = await schema.open();
  }
  const events = createQueueEvents();
  const feed = createEventFeed({ store, events, pollMs: 20 });
  await feed.start();
  const seen: MessageEvent[] = [];
  events.onChange((e) => seen.push(e));
  const workers: Worker[] = [];
  const final = (m: Message) =>
    m.status === 'CANCELLED' ||
    m.status === 'FAILED' ||
    (m.status === 'COMPLETED' && m.review.state !== 'PENDING');

  const q: TestQueue = {
    db,
    url: db ? db.path : schema!.url,
    store,
    openOther: async () => (db ? db.open() : schema!.open()),
    events,
    feed,
    workers,
    async startWorker(options) {
      const worker = createWorker({
        store,
        events,
        feed,
        concurrency: 1,
        backoffBaseMs: 10,
        leaseMs: 2000,
        reapMs: 100,
        pollMs: 200,
        ...options,
      });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async enqueue(over = {}) {
      const { message } = await store.enqueue(
        newMessage({ createdAt: new Date(), ...over }),
        { maxSize: 100_000 },
        new Date(),
      );
      feed.nudge();
      return message;
    },
    waitFor(match, timeoutMs = 10_000) {
      const found = seen.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error('timed out waiting for an event'));
        }, timeoutMs);
        const off = events.onChange((e) => {
          if (!match(e)) return;
          clearTimeout(timer);
          off();
          resolve(e);
        });
      });
    },
    async waitAllFinal(ids, timeoutMs = 20_000) {
      const pending = new Set(ids);
      let done: () => void = () => {};
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      // Listen first, then read: a change between the two is seen by one or the other.
      const off = events.onChange((e) => {
        if (final(e.message)) pending.delete(e.messageId);
        if (pending.size === 0) done();
      });
      for (const id of ids) {
        const m = await store.get(id);
        if (m && final(m)) pending.delete(id);
      }
      if (pending.size === 0) done();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out: ${pending.size} messages not final`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([finished, timeout]);
      } finally {
        clearTimeout(timer);
        off();
      }
    },
    async close() {
      for (const w of workers) await w.stop(0);
      feed.stop();
      await db?.cleanup();
      await schema?.cleanup();
    },
  };
  return q;
}
