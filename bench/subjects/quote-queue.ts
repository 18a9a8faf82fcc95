// Our queue as the service runs it: SQLite store, event log feed, pub-sub and a worker from src/queue,
// with every guarantee on (an event per change, fencing, leases, IMMEDIATE transactions, synchronous=NORMAL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite, type SqliteOptions } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore, type StoreOptions } from '../../src/db/sqlite/store.js';
import { createEventFeed, createQueueEvents } from '../../src/queue/events.js';
import type { QueueStore } from '../../src/queue/store.js';
import type { NewMessage } from '../../src/queue/types.js';
import { createWorker, type Worker } from '../../src/queue/worker.js';
import { benchMessage } from '../messages.js';
import type { BenchPayload, Instance, Subject } from './subject.js';

const MAX_SIZE = 10_000_000;

/** A no-op bench message as the service would store a submission. */
export function newMessage(payload: BenchPayload, now: Date): NewMessage {
  // The id the service gives a submission (time-ordered UUIDv7), benchMessage's default.
  return benchMessage({ payload, createdAt: now });
}

/** Where bench/anatomy.ts looks in: the store and its database, and the moments around the timed work. */
export interface QuoteQueueProbe {
  sqlite?: SqliteOptions;
  store?: StoreOptions;
  opened?(store: SqliteQueueStore, db: Database.Database): void;
  /** Everything is enqueued and published; the worker starts next. */
  working?(): void;
  /** The work is done; the store closes next. */
  closing?(): void;
}

export const quoteQueue = createQuoteQueue();

/** Our queue as a subject; `probe` (bench/anatomy.ts only) sees inside it without changing what runs. */
export function createQuoteQueue(probe: QuoteQueueProbe = {}): Subject {
  return {
    name: 'quote-queue',
    note: 'store + event feed + worker from src/queue, no-op processor; done = its COMPLETED event published',
    async open(): Promise<Instance> {
      const dir = mkdtempSync(join(tmpdir(), 'bench-qq-'));
      const db = openSqlite(join(dir, 'q.db'), probe.sqlite);
      const store = new SqliteQueueStore(db, probe.store);
      probe.opened?.(store, db);
      return storeInstance(store, probe, async () => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

/**
 * Our queue on an open store of either engine: the event feed, pub-sub and a worker with a no-op processor; done is
 * a COMPLETED event published. `closed` runs after the store is closed (removing its file or schema).
 */
export async function storeInstance(
  store: QueueStore,
  probe: Pick<QuoteQueueProbe, 'working' | 'closing'>,
  closed: () => Promise<void>,
  seeded?: () => Promise<void>,
): Promise<Instance> {
  const events = createQueueEvents();
  const feed = createEventFeed({ store, events });
  await feed.start();
  let worker: Worker | undefined;
  let off: (() => void) | undefined;
  return {
    async add(payload) {
      const now = new Date();
      await store.enqueue(newMessage(payload, now), { maxSize: MAX_SIZE }, now);
      feed.nudge();
    },
    async addBatch(payloads) {
      const now = new Date();
      await store.enqueueMany(
        payloads.map((p) => newMessage(p, now)),
        { maxSize: MAX_SIZE },
        now,
      );
      feed.nudge();
    },
    ...(seeded ? { seeded } : {}),
    async work(concurrency, done) {
      // What was enqueued before is published first, so the timing starts on a quiet feed.
      await feed.drain();
      probe.working?.();
      off = events.onChange((e) => {
        if (e.message.status === 'COMPLETED') done((e.message.payload as { n: number }).n);
      });
      worker = createWorker({
        store,
        events,
        feed,
        concurrency,
        backoffBaseMs: 1000,
        processor: {
          async process() {
            return { result: null, review: { required: false, reasons: [] } };
          },
        },
      });
      await worker.start();
    },
    async close() {
      probe.closing?.();
      await worker?.stop(0);
      off?.();
      feed.stop();
      await store.close();
      await closed();
    },
  };
}
