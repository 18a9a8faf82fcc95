// Enqueues that arrive together on one PostgreSQL store are written in shared transactions (src/db/postgres/store.ts):
// each must still be decided as if it ran alone after the ones before it (keys, capacity, the owner's cap, a claim).
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PostgresQueueStore } from '../../../src/db/postgres/store.js';
import { QueueFullError } from '../../../src/queue/errors.js';
import { newMessage, T0 } from '../../helpers/messages.js';
import { describePostgres, type TempSchema, tempSchema } from '../../helpers/postgres.js';

describePostgres('PostgreSQL enqueues written together', () => {
  let schema: TempSchema;
  let store: PostgresQueueStore;

  beforeEach(async () => {
    schema = await tempSchema();
    store = await schema.open({ poolSize: 2 });
  });
  afterEach(async () => schema.cleanup());

  it('share transactions, each decided as if alone, in the order they were called', async () => {
    const maxSize = 12;
    const at = (i: number) => new Date(T0.getTime() + i);
    const calls = [
      // 0-9: ten plain ones, two with the same key (the second gets the first's message).
      ...Array.from({ length: 8 }, (_, i) => store.enqueue(newMessage(), { maxSize }, at(i))),
      store.enqueue(newMessage({ idempotencyKey: 'k' }), { maxSize }, at(8)),
      store.enqueue(newMessage({ idempotencyKey: 'k' }), { maxSize }, at(9)),
      // 10: bob over his cap of 1 with two at once: refused alone, and writes nothing.
      store.enqueueMany(
        [newMessage({ owner: 'bob' }), newMessage({ owner: 'bob' })],
        { maxSize, maxPerOwner: 1 },
        at(10),
      ),
      // 11: claimed in the same transaction.
      store.enqueue(newMessage(), { maxSize, claimFor: { workerId: 'w', leaseMs: 60_000 } }, at(11)),
      // 12-13: the queue holds 10 now; two more fill it, the third is refused.
      store.enqueueMany([newMessage(), newMessage()], { maxSize }, at(12)),
      store.enqueue(newMessage(), { maxSize }, at(13)),
      // 14: a known key is answered even when the queue is full.
      store.enqueue(newMessage({ idempotencyKey: 'k' }), { maxSize }, at(14)),
    ];
    const results = await Promise.allSettled(calls);
    const value = (i: number) =>
      (results[i] as PromiseFulfilledResult<{ message: { id: string }; created: boolean }>).value;
    for (let i = 0; i < 9; i++) expect(value(i).created).toBe(true);
    expect(value(9)).toMatchObject({ created: false, message: { id: value(8).message.id } });
    expect(results[10]).toMatchObject({ status: 'rejected', reason: expect.any(QueueFullError) });
    expect((results[10] as PromiseRejectedResult).reason.scope).toBe('owner');
    expect(value(11)).toMatchObject({ created: true, message: { status: 'PROCESSING', attempts: 1 } });
    expect(results[12]!.status).toBe('fulfilled');
    expect(results[13]).toMatchObject({ status: 'rejected', reason: expect.any(QueueFullError) });
    expect(value(14)).toMatchObject({ created: false, message: { id: value(8).message.id } });

    expect(await store.count({ statuses: ['PENDING', 'PROCESSING'] })).toBe(maxSize);
    const stats = await store.stats(T0, maxSize);
    expect(stats.pendingCount + stats.processingCount).toBe(maxSize);
    // One enqueued event per message created, at its own call's time, in call order; the claim's after its own.
    const log = await store.eventsAfter(0, 100);
    const enqueued = log.filter((e) => e.kind === 'enqueued');
    expect(enqueued).toHaveLength(maxSize);
    expect(enqueued.map((e) => e.at.getTime() - T0.getTime())).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 12,
    ]);
    expect(log.filter((e) => e.kind === 'claimed').map((e) => e.messageId)).toEqual([value(11).message.id]);
    // They shared transactions: rows written by one transaction share its xmin.
    const [row] = await schema.admin<
      { n: number }[]
    >`SELECT COUNT(DISTINCT xmin::text)::int AS n FROM messages`;
    expect(row!.n).toBeLessThan(12);
  });
});
