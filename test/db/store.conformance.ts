// The behaviour every QueueStore must show, whatever its engine: each engine's test file runs it with a factory
// that opens a fresh, empty store of that engine (e.g. test/db/sqlite/store.test.ts).
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { QueueFullError } from '../../src/queue/errors.js';
import type { QueueStore } from '../../src/queue/store.js';
import { cancel, complete, fail, progress, retry, review } from '../../src/queue/transitions.js';
import type { MessageEvent, NewMessage, Priority } from '../../src/queue/types.js';
import { newMessage, T0 } from '../helpers/messages.js';

export interface StoreHarness {
  store: QueueStore;
  cleanup(): Promise<void>;
}

const at = (ms: number) => new Date(T0.getTime() + ms);

const OK = { result: { ok: true }, review: { required: false, reasons: [] } };

/**
 * Opens a fresh, empty store for one test, given that test's context (e.g. to name a schema after it); `cleanup`
 * closes the store and removes what it made.
 */
export type StoreFactory = (t: TestContext) => Promise<StoreHarness>;

export function describeStoreConformance(engine: string, open: StoreFactory): void {
  describe(`QueueStore conformance: ${engine}`, () => {
    let h: StoreHarness;
    let store: QueueStore;
    beforeEach(async (t) => {
      h = await open(t);
      store = h.store;
    });
    afterEach(async () => h.cleanup());

    const enqueue = async (over: Partial<NewMessage> = {}, maxSize = 1000) =>
      (await store.enqueue(newMessage(over), { maxSize }, T0)).message;
    const claimIds = async (limit: number, now = T0) =>
      (await store.claim({ workerId: 'w1', limit, leaseMs: 10_000, now })).map((m) => m.id);

    describe('enqueue', () => {
      it('stores a PENDING message at version 1 with its first event', async () => {
        const m = await enqueue({ priority: 'HIGH', payload: { a: 1 } });
        expect(m).toMatchObject({
          status: 'PENDING',
          version: 1,
          priority: 'HIGH',
          retryCount: 0,
          payload: { a: 1 },
        });
        const events = await store.history(m.id, 0);
        expect(events.map((e) => [e.version, e.kind, e.message.status])).toEqual([
          [1, 'enqueued', 'PENDING'],
        ]);
        expect(await store.get(m.id)).toEqual(m);
      });

      it('refuses with QUEUE_FULL once PENDING + PROCESSING reach the limit, and frees room as messages end', async () => {
        const a = await enqueue({}, 2);
        await enqueue({}, 2);
        await expect(store.enqueue(newMessage(), { maxSize: 2 }, T0)).rejects.toBeInstanceOf(QueueFullError);
        await store.change([{ id: a.id, transition: cancel() }], T0);
        await expect(enqueue({}, 2)).resolves.toMatchObject({ status: 'PENDING' });
      });

      it('returns the first message for a known idempotency key, even when the queue is full, per owner', async () => {
        const first = await enqueue({ idempotencyKey: 'k1', payload: { v: 1 } }, 1);
        const again = await store.enqueue(
          newMessage({ idempotencyKey: 'k1', payload: { v: 2 } }),
          { maxSize: 1 },
          T0,
        );
        expect(again).toMatchObject({ created: false, message: { id: first.id, payload: { v: 1 } } });
        // Another owner's same key is another message (and here the queue is full for it).
        await expect(
          store.enqueue(newMessage({ idempotencyKey: 'k1', owner: 'bob' }), { maxSize: 1 }, T0),
        ).rejects.toBeInstanceOf(QueueFullError);
        expect(await store.count({})).toBe(1);
      });
    });

    describe('active messages per owner (maxPerOwner)', () => {
      const limits = { maxSize: 100, maxPerOwner: 2 };
      const scopeOf = (promise: Promise<unknown>) =>
        promise.then(
          () => 'accepted',
          (error: unknown) => (error instanceof QueueFullError ? error.scope : error),
        );

      it('refuses an owner past its limit with scope owner, while another owner is still accepted', async () => {
        const a = await store.enqueue(newMessage({ owner: 'alice' }), limits, T0);
        await store.enqueue(newMessage({ owner: 'alice' }), limits, T0);
        expect(await scopeOf(store.enqueue(newMessage({ owner: 'alice' }), limits, T0))).toBe('owner');
        expect(await scopeOf(store.enqueue(newMessage({ owner: 'bob' }), limits, T0))).toBe('accepted');
        // PROCESSING still counts; an ended message frees its owner's room.
        expect(await claimIds(1)).toEqual([a.message.id]);
        expect(await scopeOf(store.enqueue(newMessage({ owner: 'alice' }), limits, T0))).toBe('owner');
        await store.change(
          [{ id: a.message.id, transition: complete({ id: a.message.id, attempts: 1 }, OK) }],
          T0,
        );
        expect(await scopeOf(store.enqueue(newMessage({ owner: 'alice' }), limits, T0))).toBe('accepted');
        expect(await store.count({ owner: 'alice' })).toBe(3);
      });

      it('answers scope queue when the global limit is reached first', async () => {
        await store.enqueue(newMessage({ owner: 'bob' }), { maxSize: 1, maxPerOwner: 5 }, T0);
        expect(
          await scopeOf(store.enqueue(newMessage({ owner: 'alice' }), { maxSize: 1, maxPerOwner: 5 }, T0)),
        ).toBe('queue');
      });

      it('returns the first message for a known idempotency key even when the owner is full', async () => {
        const first = await store.enqueue(newMessage({ idempotencyKey: 'k' }), limits, T0);
        await store.enqueue(newMessage(), limits, T0);
        const again = await store.enqueue(newMessage({ idempotencyKey: 'k' }), limits, T0);
        expect(again).toMatchObject({ created: false, message: { id: first.message.id } });
      });

      it('counts a batch against the owner: all of it fits or none is created', async () => {
        await store.enqueue(newMessage(), limits, T0);
        expect(await scopeOf(store.enqueueMany([newMessage(), newMessage()], limits, T0))).toBe('owner');
        expect(await store.count({})).toBe(1);
        const fits = await store.enqueueMany([newMessage(), newMessage({ owner: 'bob' })], limits, T0);
        expect(fits.map((o) => o.created)).toEqual([true, true]);
      });

      it('accepts exactly the room left when many submissions race', async () => {
        await store.enqueue(newMessage(), limits, T0);
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, () => scopeOf(store.enqueue(newMessage(), limits, T0))),
        );
        expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'owner')).toHaveLength(19);
        expect(await store.count({ owner: 'alice' })).toBe(2);
      });
    });

    describe('enqueueMany', () => {
      it('accepts a batch in one go, in order, or none of it when it does not fit', async () => {
        const batch = [newMessage({ priority: 'LOW' }), newMessage({ priority: 'HIGH' })];
        const out = await store.enqueueMany(batch, { maxSize: 3 }, T0);
        expect(out.map((o) => [o.created, o.message.id, o.message.version])).toEqual([
          [true, batch[0]!.id, 1],
          [true, batch[1]!.id, 1],
        ]);
        expect(out[1]!.message.seq).toBeGreaterThan(out[0]!.message.seq);
        await expect(
          store.enqueueMany([newMessage(), newMessage()], { maxSize: 3 }, T0),
        ).rejects.toBeInstanceOf(QueueFullError);
        expect(await store.count({})).toBe(2);
      });
    });

    describe('claim order', () => {
      it('takes the highest priority first and the oldest first within a priority', async () => {
        const order: [Priority, string][] = [];
        for (const p of [
          'LOW',
          'NORMAL',
          'URGENT',
          'HIGH',
          'LOW',
          'URGENT',
          'NORMAL',
          'HIGH',
        ] as Priority[]) {
          order.push([p, (await enqueue({ priority: p })).id]);
        }
        const rank = { URGENT: 4, HIGH: 3, NORMAL: 2, LOW: 1 };
        const expected = order
          .map(([p, id], i) => ({ p, id, i }))
          .sort((a, b) => rank[b.p] - rank[a.p] || a.i - b.i)
          .map((x) => x.id);
        const taken: string[] = [];
        for (let i = 0; i < expected.length; i++) taken.push(...(await claimIds(1)));
        expect(taken).toEqual(expected);
        expect(await claimIds(1)).toEqual([]);
      });

      it('claims several in one call, in take order, each at a new version with a claimed event', async () => {
        const ids = [
          await enqueue({ priority: 'LOW' }),
          await enqueue({ priority: 'HIGH' }),
          await enqueue(),
        ].map((m) => m.id);
        const claimed = await store.claim({ workerId: 'w1', limit: 5, leaseMs: 1000, now: T0 });
        expect(claimed.map((m) => m.id)).toEqual([ids[1], ids[2], ids[0]]);
        for (const m of claimed) {
          expect(m).toMatchObject({ status: 'PROCESSING', version: 2, attempts: 1, leaseOwner: 'w1' });
          expect(m.leaseExpiresAt?.getTime()).toBe(T0.getTime() + 1000);
        }
      });

      it('skips a retry until its nextAttemptAt, then it competes by priority', async () => {
        const low = await enqueue({ priority: 'LOW' });
        const high = await enqueue({ priority: 'HIGH' });
        const [claimed] = await store.claim({ workerId: 'w1', limit: 1, leaseMs: 1000, now: T0 });
        expect(claimed?.id).toBe(high.id);
        await store.change(
          [{ id: high.id, transition: fail({ id: high.id, attempts: 1 }, 'boom', 5000) }],
          T0,
        );
        expect(await store.get(high.id)).toMatchObject({
          status: 'PENDING',
          retryCount: 1,
          nextAttemptAt: at(5000),
        });
        expect(await claimIds(1, at(1000))).toEqual([low.id]);
        await store.change([{ id: low.id, transition: cancel() }], at(1000));
        expect(await claimIds(1, at(4999))).toEqual([]);
        expect(await store.nextDueAt(at(4999))).toEqual(at(5000));
        expect(await claimIds(1, at(5000))).toEqual([high.id]);
      });

      it('reports the queue position among messages due now, by take order', async () => {
        const a = await enqueue({ priority: 'LOW' });
        const b = await enqueue({ priority: 'HIGH' });
        const c = await enqueue({ priority: 'HIGH' });
        expect(await store.queuePosition(b.id, T0)).toBe(1);
        expect(await store.queuePosition(c.id, T0)).toBe(2);
        expect(await store.queuePosition(a.id, T0)).toBe(3);
        await claimIds(1);
        expect(await store.queuePosition(b.id, T0)).toBeNull();
        expect(await store.queuePosition(a.id, T0)).toBe(2);
      });
    });

    describe('fairness between owners', () => {
      it('owners with messages waiting take turns within a priority; one joining takes the turn at the head', async () => {
        const a = [];
        for (let i = 0; i < 6; i++) a.push((await enqueue({ owner: 'A' })).id);
        expect(await claimIds(2)).toEqual([a[0], a[1]]);
        const b = [(await enqueue({ owner: 'B' })).id, (await enqueue({ owner: 'B' })).id];
        expect(await store.queuePosition(b[0]!, T0)).toBe(2);
        expect(await claimIds(10)).toEqual([a[2], b[0], a[3], b[1], a[4], a[5]]);
      });

      it('keeps priorities strict across owners, and one owner alone oldest first', async () => {
        const low = (await enqueue({ owner: 'B', priority: 'LOW' })).id;
        const normal = [(await enqueue({ owner: 'A' })).id, (await enqueue({ owner: 'A' })).id];
        const urgent = (await enqueue({ owner: 'A', priority: 'URGENT' })).id;
        expect(await claimIds(10)).toEqual([urgent, ...normal, low]);
      });
    });

    describe('getMany', () => {
      it('reads the known messages among many ids in one call', async () => {
        const a = await enqueue();
        const b = await enqueue();
        const got = await store.getMany([b.id, 'nope', a.id]);
        expect(got.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
        expect(got.find((m) => m.id === a.id)).toEqual(a);
        expect(await store.getMany([])).toEqual([]);
      });
    });

    describe('scheduled messages (runAt)', () => {
      it('waits PENDING until its runAt, then competes by priority; its event and reads show runAt', async () => {
        const later = await enqueue({ priority: 'URGENT', runAt: at(60_000) });
        const now = await enqueue({ priority: 'LOW' });
        expect(later).toMatchObject({ status: 'PENDING', runAt: at(60_000), nextAttemptAt: null });
        expect(await store.get(later.id)).toEqual(later);
        expect((await store.history(later.id, 0))[0]?.message.runAt).toEqual(at(60_000));
        expect(await store.queuePosition(later.id, T0)).toBeNull();
        expect(await store.queuePosition(now.id, T0)).toBe(1);
        expect(await claimIds(5, at(59_999))).toEqual([now.id]);
        expect(await store.nextDueAt(at(59_999))).toEqual(at(60_000));
        const low = await enqueue({ priority: 'LOW' });
        expect(await store.queuePosition(later.id, at(60_000))).toBe(1);
        expect(await claimIds(5, at(60_000))).toEqual([later.id, low.id]);
        expect(await store.get(later.id)).toMatchObject({ status: 'PROCESSING', runAt: at(60_000) });
      });

      it('takes due messages only, however many wait for later', async () => {
        for (let i = 0; i < 50; i++) await enqueue({ priority: 'URGENT', runAt: at(86_400_000 + i) });
        const due = [await enqueue({ priority: 'LOW' }), await enqueue({ priority: 'LOW' })];
        expect(await claimIds(10, at(1000))).toEqual(due.map((m) => m.id));
        expect(await claimIds(10, at(2000))).toEqual([]);
      });

      it('counts against capacity and per owner, and frees its room when cancelled', async () => {
        const a = await enqueue({ runAt: at(60_000) }, 2);
        await enqueue({ runAt: at(60_000) }, 2);
        await expect(store.enqueue(newMessage(), { maxSize: 2 }, T0)).rejects.toBeInstanceOf(QueueFullError);
        await expect(store.enqueue(newMessage(), { maxSize: 10, maxPerOwner: 2 }, T0)).rejects.toMatchObject({
          scope: 'owner',
        });
        const [outcome] = await store.change([{ id: a.id, transition: cancel() }], T0);
        expect(outcome).toMatchObject({ ok: true, message: { status: 'CANCELLED' } });
        await enqueue({}, 2);
        expect(await claimIds(5, at(60_000))).toHaveLength(2);
      });

      it('shows in the stats as scheduled: a count and the next due time', async () => {
        await enqueue({ runAt: at(90_000) });
        await enqueue({ runAt: at(30_000) });
        await enqueue();
        let stats = await store.stats(T0, 100);
        expect(stats).toMatchObject({ pendingCount: 3, scheduledCount: 2, scheduledRetries: 0 });
        expect(stats.nextScheduledAt).toEqual(at(30_000));
        await claimIds(5, at(30_000));
        stats = await store.stats(at(30_000), 100);
        expect(stats).toMatchObject({ pendingCount: 1, scheduledCount: 1 });
        expect(stats.nextScheduledAt).toEqual(at(90_000));
      });
    });

    describe('changes', () => {
      it('applies a fenced completion once; a late result of an older attempt changes nothing', async () => {
        const m = await enqueue();
        await claimIds(1);
        const fence = { id: m.id, attempts: 1 };
        // The attempt is lost and the message taken again: attempt 2.
        await store.change([{ id: m.id, transition: fail(fence, 'lost', 0, 'LOST') }], T0);
        await claimIds(1);
        const [late] = await store.change([{ id: m.id, transition: complete(fence, OK) }], T0);
        expect(late).toMatchObject({ ok: false, skipped: true });
        const [fresh] = await store.change(
          [{ id: m.id, transition: complete({ id: m.id, attempts: 2 }, OK) }],
          T0,
        );
        expect(fresh).toMatchObject({ ok: true, message: { status: 'COMPLETED', result: { ok: true } } });
        const kinds = (await store.history(m.id, 0)).map((e) => e.kind);
        expect(kinds).toEqual(['enqueued', 'claimed', 'retry-scheduled', 'claimed', 'completed']);
      });

      it('keeps versions contiguous and each event a snapshot of the message at that version', async () => {
        const m = await enqueue();
        await claimIds(1);
        const fence = { id: m.id, attempts: 1 };
        await store.change(
          [
            { id: m.id, transition: progress(fence, [{ step: 'a' }]) },
            {
              id: m.id,
              transition: complete(fence, { result: { x: 1 }, review: { required: true, reasons: ['big'] } }),
            },
          ],
          at(10),
        );
        await store.change([{ id: m.id, transition: review('APPROVE', 'rita', 'fine') }], at(20));
        const events = await store.history(m.id, 0);
        expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
        for (const e of events) expect(e.message.version).toBe(e.version);
        const current = await store.get(m.id);
        expect(events.at(-1)?.message).toEqual(current);
        expect(current?.review).toMatchObject({
          state: 'APPROVED',
          reviewer: 'rita',
          notes: 'fine',
          decidedAt: at(20),
        });
        expect((await store.history(m.id, 3)).map((e) => e.version)).toEqual([4, 5]);
      });

      it('keeps the checkpoint written with progress across a failed attempt, hands it to the next claim, clears it on completion', async () => {
        const m = await enqueue({ maxRetries: 2 });
        await claimIds(1);
        const first = { id: m.id, attempts: 1 };
        await store.change([{ id: m.id, transition: progress(first, ['a'], { done: { a: 1 } }) }], at(1));
        // Progress without a checkpoint leaves the saved one alone.
        await store.change([{ id: m.id, transition: progress(first, ['a', 'b']) }], at(2));
        await store.change([{ id: m.id, transition: fail(first, 'step b failed', 0) }], at(3));
        expect(await store.get(m.id)).toMatchObject({
          status: 'PENDING',
          progress: ['a', 'b'],
          checkpoint: { done: { a: 1 } },
        });
        const [again] = await store.claim({ workerId: 'w2', limit: 1, leaseMs: 10_000, now: at(4) });
        // The claim clears the progress of the attempt before, not its checkpoint.
        expect(again).toMatchObject({ attempts: 2, progress: null, checkpoint: { done: { a: 1 } } });
        expect((await store.get(m.id))?.checkpoint).toEqual({ done: { a: 1 } });
        // Events hold no checkpoint: it is for the next attempt, not the message's history.
        for (const e of await store.history(m.id, 0)) expect(e.message.checkpoint).toBeNull();
        const second = { id: m.id, attempts: 2 };
        await store.change([{ id: m.id, transition: complete(second, OK) }], at(5));
        expect((await store.get(m.id))?.checkpoint).toBeNull();
      });

      it('dead-letters after maxRetries retries and a retry brings it back with a full budget', async () => {
        const m = await enqueue({ maxRetries: 1 });
        await claimIds(1);
        await store.change([{ id: m.id, transition: fail({ id: m.id, attempts: 1 }, 'e1', 0) }], T0);
        await claimIds(1);
        await store.change([{ id: m.id, transition: fail({ id: m.id, attempts: 2 }, 'e2', 0) }], T0);
        expect(await store.get(m.id)).toMatchObject({
          status: 'FAILED',
          deadLettered: true,
          errorMessage: 'e2',
          retryCount: 1,
        });
        expect(await store.stats(T0, 10)).toMatchObject({
          failedCount: 1,
          deadLetterCount: 1,
          pendingCount: 0,
        });
        await store.change([{ id: m.id, transition: retry() }], T0);
        expect(await store.get(m.id)).toMatchObject({
          status: 'PENDING',
          deadLettered: false,
          retryCount: 0,
        });
      });

      it('answers a change that does not apply with its domain error', async () => {
        const m = await enqueue();
        const [out] = await store.change([{ id: m.id, transition: retry() }], T0);
        expect(out).toMatchObject({ ok: false, skipped: false, error: { code: 'INVALID_STATE' } });
        const [missing] = await store.change([{ id: 'nope', transition: cancel() }], T0);
        expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      });

      it('knows no message by an id with U+0000 (PostgreSQL text cannot hold it): unknown, never an error', async () => {
        const m = await enqueue();
        const id = `${m.id}\u0000`;
        expect(await store.get(id)).toBeNull();
        expect((await store.getMany([id, m.id])).map((x) => x.id)).toEqual([m.id]);
        expect(await store.history(id, 0)).toEqual([]);
        expect(await store.attemptsOf(id)).toEqual([]);
        expect(await store.queuePosition(id, T0)).toBeNull();
        const [out] = await store.change([{ id, transition: cancel() }], T0);
        expect(out).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      });

      it('settles and claims in one transaction: the claim sees the settled batch, in take order', async () => {
        const a = await enqueue({ maxRetries: 1 });
        const b = await enqueue();
        const c = await enqueue({ priority: 'HIGH' });
        const [held] = await store.claim({ workerId: 'w1', limit: 1, leaseMs: 10_000, now: T0 });
        expect(held!.id).toBe(c.id);
        // c fails with a retry due at once: the claim in the same transaction retakes it first (HIGH).
        const { outcomes, claimed } = await store.changeAndClaim(
          [{ id: c.id, transition: fail({ id: c.id, attempts: held!.attempts }, 'boom', 0) }],
          T0,
          { workerId: 'w1', limit: 5, leaseMs: 10_000, now: T0 },
        );
        expect(outcomes).toMatchObject([{ ok: true, message: { status: 'PENDING', retryCount: 1 } }]);
        expect(claimed.map((m) => m.id)).toEqual([c.id, a.id, b.id]);
        expect(claimed.map((m) => m.status)).toEqual(['PROCESSING', 'PROCESSING', 'PROCESSING']);
        const history = await store.history(c.id, 0);
        expect(history.map((e) => e.kind)).toEqual(['enqueued', 'claimed', 'retry-scheduled', 'claimed']);
        expect(await store.get(c.id)).toEqual(claimed[0]);
      });

      it('hands the events of each committed write to its listeners, as the log stores them', async () => {
        const heard: MessageEvent[][] = [];
        const off = store.onAppended?.((events) => heard.push(events));
        if (!off) return;
        const m = await enqueue();
        await store.claim({ workerId: 'w1', limit: 1, leaseMs: 10_000, now: T0 });
        await expect(store.enqueue(newMessage(), { maxSize: 1 }, T0)).rejects.toBeInstanceOf(QueueFullError);
        await store.change([{ id: m.id, transition: cancel() }], T0);
        off();
        await enqueue();
        const log = await store.eventsAfter(0, 100);
        // Three writes committed while listening, one event each; the refused one appended nothing.
        expect(heard.map((events) => events.map((e) => e.seq))).toEqual([
          [log[0]!.seq],
          [log[1]!.seq],
          [log[2]!.seq],
        ]);
        expect(heard.flat()).toEqual(log.slice(0, 3));
        expect(log).toHaveLength(4);
      });
    });

    describe('leases', () => {
      it('renews only leases still held and lists expired ones', async () => {
        const a = await enqueue();
        const b = await enqueue();
        await claimIds(2);
        await store.change([{ id: b.id, transition: cancel() }], T0);
        const lost = await store.renewLeases(
          'w1',
          [
            { id: a.id, attempts: 1 },
            { id: b.id, attempts: 1 },
          ],
          10_000,
          at(5000),
        );
        expect(lost).toEqual([b.id]);
        expect(await store.expiredLeases(at(14_999), 10)).toEqual([]);
        expect(await store.expiredLeases(at(15_001), 10)).toEqual([{ id: a.id, attempts: 1 }]);
        // Another worker's renewal does not count.
        expect(await store.renewLeases('w2', [{ id: a.id, attempts: 1 }], 10_000, at(5000))).toEqual([a.id]);
      });
    });

    describe('the fleet', () => {
      const member = (id: string, startMs: number, beatMs: number, leaseMs = 10_000) => ({
        id,
        host: 'host-a',
        pid: 100,
        api: id.startsWith('api'),
        concurrency: id.startsWith('api') ? 0 : 4,
        running: 2,
        startedAt: at(startMs),
        lastHeartbeat: at(beatMs),
        expiresAt: at(beatMs + leaseMs),
      });

      it('lists the processes that beat, drops one whose lease ended, and removes one that left', async () => {
        expect(await store.beat(member('api-1', 0, 0), at(0))).toEqual({ paused: false });
        await store.beat(member('worker-1', 100, 100), at(100));
        await store.beat(member('worker-2', 200, 200), at(200));
        await store.beat({ ...member('api-1', 0, 5000), running: 0 }, at(5000));
        expect(await store.processes(at(5000))).toEqual([
          { ...member('api-1', 0, 5000), running: 0 },
          member('worker-1', 100, 100),
          member('worker-2', 200, 200),
        ]);
        // worker-1 stopped beating: past its lease it is no longer listed, and the next beat removes its row.
        await store.beat(member('worker-2', 200, 10_150), at(10_150));
        expect((await store.processes(at(10_150))).map((p) => p.id)).toEqual(['api-1', 'worker-2']);
        await store.leave('worker-2');
        expect((await store.processes(at(10_150))).map((p) => p.id)).toEqual(['api-1']);
      });

      it('pauses every claim while the fleet is paused, keeps runQuote claims, and says so on each beat', async () => {
        const a = await enqueue();
        await store.setPaused(true, T0);
        expect(await store.beat(member('worker-1', 0, 0), T0)).toEqual({ paused: true });
        expect(await claimIds(5)).toEqual([]);
        const settled = await store.changeAndClaim([], T0, {
          workerId: 'w1',
          limit: 5,
          leaseMs: 10_000,
          now: T0,
        });
        expect(settled.claimed).toEqual([]);
        // A synchronous run claims in its own enqueue.
        const run = await store.enqueue(
          newMessage(),
          { maxSize: 1000, claimFor: { workerId: 'sync', leaseMs: 1000 } },
          T0,
        );
        expect(run.message.status).toBe('PROCESSING');
        await store.setPaused(false, at(10));
        expect(await store.beat(member('worker-1', 0, 10), at(10))).toEqual({ paused: false });
        expect(await claimIds(5)).toEqual([a.id]);
      });
    });

    describe('figures and upkeep', () => {
      it('counts by status and priority', async () => {
        await enqueue({ priority: 'LOW' });
        await enqueue({ priority: 'URGENT' });
        const c = await enqueue({ priority: 'LOW' });
        await store.change([{ id: c.id, transition: cancel() }], T0);
        await claimIds(1, at(2000));
        const s = await store.stats(at(5000), 50);
        expect(s).toMatchObject({
          pendingCount: 1,
          processingCount: 1,
          cancelledCount: 1,
          completedCount: 0,
          maxSize: 50,
          pendingByPriority: { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 1 },
          longestProcessing: 3,
          oldestPending: T0,
        });
      });

      it('purges finished messages past retention with their history, keeping reviews pending and dead letters', async () => {
        const done = await enqueue();
        const referred = await enqueue();
        const dead = await enqueue({ maxRetries: 0 });
        const live = await enqueue({ priority: 'LOW' });
        await claimIds(3);
        await store.change(
          [
            { id: done.id, transition: complete({ id: done.id, attempts: 1 }, OK) },
            {
              id: referred.id,
              transition: complete(
                { id: referred.id, attempts: 1 },
                { result: {}, review: { required: true, reasons: ['x'] } },
              ),
            },
            { id: dead.id, transition: fail({ id: dead.id, attempts: 1 }, 'boom', 0) },
          ],
          T0,
        );
        expect(await store.purge(T0)).toBe(0);
        expect(await store.purge(at(1))).toBe(1);
        expect(await store.get(done.id)).toBeNull();
        expect(await store.history(done.id, 0)).toEqual([]);
        for (const id of [referred.id, dead.id, live.id]) expect(await store.get(id)).not.toBeNull();
        expect((await store.stats(T0, 10)).completedCount).toBe(1);
      });

      it('ages waiting messages one level per aging step, up to URGENT', async () => {
        const low = await enqueue({ priority: 'LOW' });
        const high = await enqueue({ priority: 'HIGH' });
        expect(await store.agePriorities(at(999), 1000)).toBe(0);
        expect(await store.agePriorities(at(2000), 1000)).toBe(2);
        expect(await store.get(low.id)).toMatchObject({
          priority: 'LOW',
          effectivePriority: 'HIGH',
          version: 1,
        });
        expect(await store.get(high.id)).toMatchObject({ effectivePriority: 'URGENT' });
        // Both now rank URGENT-or-HIGH: the low one, aged to HIGH, still follows the aged HIGH one.
        expect(await claimIds(2, at(2000))).toEqual([high.id, low.id]);
      });

      it('lists newest first with filters and a cursor', async () => {
        const a = await enqueue({ priority: 'LOW' });
        const b = await enqueue({ priority: 'HIGH', owner: 'bob' });
        const c = await enqueue({ priority: 'LOW' });
        expect((await store.list({}, { limit: 10 })).map((m) => m.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.list({ priorities: ['LOW'] }, { limit: 10 })).map((m) => m.id)).toEqual([
          c.id,
          a.id,
        ]);
        expect((await store.list({ owner: 'bob' }, { limit: 10 })).map((m) => m.id)).toEqual([b.id]);
        expect((await store.list({}, { limit: 10, beforeSeq: b.seq })).map((m) => m.id)).toEqual([a.id]);
        expect(await store.count({ statuses: ['PENDING'] })).toBe(3);
      });

      it('follows the event log in order from any position', async () => {
        const start = await store.lastEventSeq();
        const m = await enqueue();
        await claimIds(1);
        const events = await store.eventsAfter(start, 100);
        expect(events.map((e) => [e.messageId, e.version])).toEqual([
          [m.id, 1],
          [m.id, 2],
        ]);
        expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
        expect(await store.eventsAfter(events[1]!.seq, 100)).toEqual([]);
      });
    });
  });
}
