// The guarantees that concurrent writers could break, on a real PostgreSQL: several stores on one schema stand for
// several processes (each its own pool), all working at once.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PostgresQueueStore } from '../../../src/db/postgres/store.js';
import { QueueFullError } from '../../../src/queue/errors.js';
import { cancel, complete, progress } from '../../../src/queue/transitions.js';
import { newMessage } from '../../helpers/messages.js';
import { describePostgres, type TempSchema, tempSchema } from '../../helpers/postgres.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const OK = { result: { ok: true }, review: { required: false, reasons: [] } };

describePostgres('PostgreSQL store under concurrent writers', () => {
  let schema: TempSchema;
  let stores: PostgresQueueStore[];

  beforeEach(async () => {
    schema = await tempSchema();
    stores = [];
    for (let i = 0; i < 4; i++) stores.push(await schema.open({ poolSize: 3 }));
  });
  afterEach(async () => schema.cleanup());

  it('4 claimers in parallel never take one message twice, and together take them all', async () => {
    await stores[0]!.enqueueMany(
      Array.from({ length: 300 }, () => newMessage()),
      { maxSize: 1000 },
      T0,
    );
    const taken = await Promise.all(
      stores.map(async (store, i) => {
        const ids: string[] = [];
        for (;;) {
          // Two claims at once from each store as well: eight claimers over four pools.
          const batches = await Promise.all(
            [0, 1].map(() => store.claim({ workerId: `w${i}`, limit: 7, leaseMs: 60_000, now: T0 })),
          );
          const claimed = batches.flat();
          if (claimed.length === 0) return ids;
          for (const m of claimed) ids.push(m.id);
        }
      }),
    );
    const all = taken.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(300);
    // Every store got some: they really ran side by side.
    for (const ids of taken) expect(ids.length).toBeGreaterThan(0);
    expect((await stores[0]!.stats(T0, 1000)).processingCount).toBe(300);
  });

  it('20 concurrent submissions at MAX_QUEUE_SIZE - 1 accept exactly one', async () => {
    const maxSize = 10;
    await stores[0]!.enqueueMany(
      Array.from({ length: maxSize - 1 }, () => newMessage()),
      { maxSize },
      T0,
    );
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => stores[i % 4]!.enqueue(newMessage(), { maxSize }, T0)),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(accepted).toHaveLength(1);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(QueueFullError);
    expect(await stores[1]!.count({ statuses: ['PENDING', 'PROCESSING'] })).toBe(maxSize);
  });

  it('one idempotency key submitted 20 times at once creates one message', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % 4]!.enqueue(newMessage({ idempotencyKey: 'same', payload: { i } }), { maxSize: 1000 }, T0),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect(await stores[0]!.count({})).toBe(1);
  });

  it('a reader tailing the log under 4 concurrent writers never sees a position appear below one it has passed', async () => {
    const reader = await schema.open({ poolSize: 1 });
    let writing = true;
    const seen = new Set<number>();
    let position = 0;
    const tail = (async () => {
      // Reads until the writers are done and one more read finds nothing new.
      for (let idle = false; ; ) {
        const batch = await reader.eventsAfter(position, 500);
        for (const e of batch) {
          expect(e.seq).toBeGreaterThan(position);
          seen.add(e.seq);
          position = e.seq;
        }
        if (batch.length === 0 && idle) return;
        idle = !writing;
      }
    })();
    await Promise.all(
      stores.map(async (store, i) => {
        for (let round = 0; round < 12; round++) {
          const made = await store.enqueueMany(
            Array.from({ length: 3 }, () => newMessage()),
            { maxSize: 100_000 },
            T0,
          );
          const claimed = await store.claim({ workerId: `w${i}`, limit: 2, leaseMs: 60_000, now: T0 });
          // Progress reports move no status count: nothing but the log's own ordering orders these commits.
          for (let step = 0; step < 3; step++) {
            await Promise.all(
              claimed.map((m) =>
                store.change(
                  [{ id: m.id, transition: progress({ id: m.id, attempts: m.attempts }, { step }) }],
                  T0,
                ),
              ),
            );
          }
          await store.change(
            [
              ...claimed.map((m) => ({
                id: m.id,
                transition: complete({ id: m.id, attempts: m.attempts }, OK),
              })),
              { id: made.at(-1)!.message.id, transition: cancel() },
            ],
            T0,
          );
        }
      }),
    );
    writing = false;
    await tail;
    // Every event the log holds was seen by the tail: none appeared behind its position after it had passed.
    const log: number[] = [];
    for (let from = 0; ; ) {
      const batch = await reader.eventsAfter(from, 1000);
      if (batch.length === 0) break;
      for (const e of batch) log.push(e.seq);
      from = batch.at(-1)!.seq;
    }
    expect(log.length).toBeGreaterThan(4 * 12 * 10);
    expect(log.filter((seq) => !seen.has(seq))).toEqual([]);
  });

  it('cancel racing complete on one message ends in one of them, with no error reaching the caller', async () => {
    const n = 30;
    await stores[0]!.enqueueMany(
      Array.from({ length: n }, () => newMessage()),
      { maxSize: 1000 },
      T0,
    );
    const claimed = await stores[0]!.claim({ workerId: 'w', limit: n, leaseMs: 60_000, now: T0 });
    expect(claimed).toHaveLength(n);
    const races = await Promise.all(
      claimed.map((m, i) =>
        Promise.all([
          stores[i % 4]!.change([{ id: m.id, transition: cancel() }], T0),
          stores[(i + 1) % 4]!.change(
            [{ id: m.id, transition: complete({ id: m.id, attempts: m.attempts }, OK) }],
            T0,
          ),
        ]),
      ),
    );
    for (const [i, [[cancelled], [completed]]] of races.entries()) {
      const m = claimed[i]!;
      const final = (await stores[0]!.get(m.id))!;
      // Exactly one of them applied; the other saw the message already final and changed nothing.
      expect([cancelled!.ok, completed!.ok].filter(Boolean)).toHaveLength(1);
      expect(final.status).toBe(cancelled!.ok ? 'CANCELLED' : 'COMPLETED');
      if (!cancelled!.ok)
        expect(cancelled).toMatchObject({ skipped: false, error: { code: 'INVALID_STATE' } });
      if (!completed!.ok) expect(completed).toMatchObject({ skipped: true });
      expect(final.version).toBe(3);
      expect((await stores[0]!.history(m.id, 0)).map((e) => e.version)).toEqual([1, 2, 3]);
    }
    const stats = await stores[0]!.stats(T0, 1000);
    expect(stats.cancelledCount + stats.completedCount).toBe(n);
    expect(stats.processingCount).toBe(0);
  });
});
