// The worker against a real queue on each engine: order, retries, timeouts, fencing, cancellation, leases, shutdown.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttemptAborted } from '../../src/queue/worker.js';
import { ENGINES } from '../helpers/postgres.js';
import { abortableWait, DONE, processor, startTestQueue, type TestQueue } from '../helpers/queue.js';

describe.each(ENGINES)('worker on %s', (engine) => {
  let q: TestQueue;
  beforeEach(async () => {
    q = await startTestQueue(engine);
  });
  afterEach(async () => q.close());

  describe('processing order', () => {
    it('processes the highest priority first and oldest first within a priority, one at a time', async () => {
      const seen: string[] = [];
      const ids = [];
      for (const p of ['LOW', 'HIGH', 'NORMAL', 'URGENT', 'HIGH', 'LOW'] as const)
        ids.push((await q.enqueue({ priority: p })).id);
      await q.startWorker({
        processor: processor(async (job) => {
          seen.push(job.id);
          return DONE;
        }),
        concurrency: 1,
      });
      await q.waitAllFinal(ids);
      expect(seen).toEqual([ids[3], ids[1], ids[4], ids[2], ids[0], ids[5]]);
    });

    it('runs up to `concurrency` attempts at once and no more', async () => {
      let running = 0;
      let peak = 0;
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push((await q.enqueue()).id);
      await q.startWorker({
        concurrency: 4,
        processor: processor(async (_job, ctx) => {
          running++;
          peak = Math.max(peak, running);
          await abortableWait(20, ctx.signal);
          running--;
          return DONE;
        }),
      });
      await q.waitAllFinal(ids);
      expect(peak).toBe(4);
    });
  });

  describe('options', () => {
    it("hands each attempt the message's options as stored, whatever they hold, and keeps them in its events", async () => {
      const options = { mode: 'careful', limits: [1, 2], nested: { on: true } };
      const m = await q.enqueue({ options, maxRetries: 1 });
      const plain = await q.enqueue();
      const seen: unknown[] = [];
      await q.startWorker({
        processor: processor(async (job) => {
          seen.push([job.id, job.attempt, job.options]);
          if (job.id === m.id && job.attempt === 1) throw new Error('once');
          return DONE;
        }),
        backoffBaseMs: 1,
        concurrency: 1,
      });
      await q.waitAllFinal([m.id, plain.id]);
      expect(seen).toContainEqual([m.id, 1, options]);
      expect(seen).toContainEqual([m.id, 2, options]);
      expect(seen).toContainEqual([plain.id, 1, null]);
      const history = await q.store.history(m.id, 0);
      expect(history.length).toBeGreaterThan(3);
      for (const e of history) expect(e.message.options).toEqual(options);
    });
  });

  describe('retries and the dead-letter queue', () => {
    it('retries with exponential backoff, then dead-letters with the last error', async () => {
      const m = await q.enqueue({ maxRetries: 3 });
      let calls = 0;
      await q.startWorker({
        backoffBaseMs: 40,
        random: () => 0.5, // no jitter: the doubling is exact
        processor: processor(async (job) => {
          calls++;
          throw new Error(`bad luck ${job.attempt}`);
        }),
      });
      await q.waitAllFinal([m.id]);
      const events = await q.store.history(m.id, 0);
      const retries = events.filter((e) => e.kind === 'retry-scheduled');
      expect(retries.map((e) => e.message.retryCount)).toEqual([1, 2, 3]);
      const waits = retries.map((e) => e.message.nextAttemptAt!.getTime() - e.at.getTime());
      expect(waits).toEqual([40, 80, 160]);
      // Each retry really waited for its due time before it was claimed again.
      const claims = events.filter((e) => e.kind === 'claimed').slice(1);
      for (const [i, c] of claims.entries()) {
        expect(c.at.getTime()).toBeGreaterThanOrEqual(retries[i]!.message.nextAttemptAt!.getTime());
      }
      expect(calls).toBe(4);
      expect(await q.store.get(m.id)).toMatchObject({
        status: 'FAILED',
        deadLettered: true,
        retryCount: 3,
        errorMessage: 'bad luck 4',
      });
      const attempts = await q.store.attemptsOf(m.id);
      expect(attempts.map((a) => a.outcome)).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED']);
    });

    it('succeeds on a later attempt after transient failures', async () => {
      const m = await q.enqueue({ maxRetries: 3 });
      await q.startWorker({
        processor: processor(async (job) => {
          if (job.attempt < 3) throw new Error('transient');
          return DONE;
        }),
      });
      await q.waitAllFinal([m.id]);
      expect(await q.store.get(m.id)).toMatchObject({
        status: 'COMPLETED',
        retryCount: 2,
        errorMessage: null,
      });
    });
  });

  describe('timeouts and fencing', () => {
    it('aborts an attempt past timeoutSeconds, counts it as failed, and ignores its late result', async () => {
      const m = await q.enqueue({ maxRetries: 0, timeoutSeconds: 1 });
      let reason: unknown;
      let lateResultReturned!: () => void;
      const late = new Promise<void>((r) => {
        lateResultReturned = r;
      });
      await q.startWorker({
        processor: processor(async (_job, ctx) => {
          // This processor ignores the abort and answers late, as a stuck outside call might.
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          reason = ctx.signal.reason;
          setTimeout(lateResultReturned, 50);
          await late;
          return DONE;
        }),
      });
      await q.waitAllFinal([m.id]);
      expect(reason).toBeInstanceOf(AttemptAborted);
      expect((reason as AttemptAborted).why).toBe('timeout');
      await late;
      await q.feed.drain();
      const after = await q.store.get(m.id);
      expect(after).toMatchObject({ status: 'FAILED', deadLettered: true });
      expect(after?.errorMessage).toMatch(/timed out after 1s/);
      expect((await q.store.history(m.id, 0)).map((e) => e.kind)).not.toContain('completed');
      expect((await q.store.attemptsOf(m.id)).map((a) => a.outcome)).toEqual(['TIMED_OUT']);
    });
  });

  describe('cancellation', () => {
    it('cancelling a PROCESSING message aborts its attempt and nothing overwrites CANCELLED', async () => {
      const m = await q.enqueue();
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      let aborted: unknown;
      await q.startWorker({
        processor: processor(async (_job, ctx) => {
          started();
          try {
            await abortableWait(10_000, ctx.signal);
          } catch (e) {
            aborted = e;
            throw e;
          }
          return DONE;
        }),
      });
      await running;
      const { cancel } = await import('../../src/queue/transitions.js');
      await q.store.change([{ id: m.id, transition: cancel() }], new Date());
      q.feed.nudge();
      await q.waitFor((e) => e.messageId === m.id && e.kind === 'cancelled');
      await expect.poll(() => aborted).toBeInstanceOf(AttemptAborted);
      expect((aborted as AttemptAborted).why).toBe('cancelled');
      await q.workers[0]!.stop(0);
      expect(await q.store.get(m.id)).toMatchObject({ status: 'CANCELLED' });
      expect((await q.store.history(m.id, 0)).map((e) => e.kind)).toEqual([
        'enqueued',
        'claimed',
        'cancelled',
      ]);
    });
  });

  describe('leases', () => {
    it('takes again, within the lease, a message whose worker died holding it, counting the lost attempt', async () => {
      const m = await q.enqueue({ maxRetries: 2 });
      // A worker that claims and then vanishes: no heartbeat, no result.
      await q.store.claim({ workerId: 'dead-worker', limit: 1, leaseMs: 300, now: new Date() });
      const processed: number[] = [];
      await q.startWorker({
        processor: processor(async (job) => {
          processed.push(job.attempt);
          return DONE;
        }),
      });
      await q.waitAllFinal([m.id]);
      expect(processed).toEqual([2]);
      expect(await q.store.get(m.id)).toMatchObject({ status: 'COMPLETED', retryCount: 1 });
      expect((await q.store.attemptsOf(m.id)).map((a) => [a.outcome, a.workerId])).toEqual([
        ['LOST', 'dead-worker'],
        ['COMPLETED', q.workers[0]!.id],
      ]);
    });

    it('keeps the lease of a long attempt alive with heartbeats, so no one else takes it', async () => {
      // The worker's clock is the test's: time moves only in steps shorter than the lease, each after the
      // heartbeat has renewed it, so a loaded machine cannot let the lease run out between two heartbeats.
      let now = Date.now();
      const m = await q.enqueue();
      let calls = 0;
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const claimed = q.waitFor((e) => e.messageId === m.id && e.kind === 'claimed');
      await q.startWorker({
        leaseMs: 150,
        heartbeatMs: 10,
        reapMs: 10,
        clock: () => new Date(now),
        processor: processor(async () => {
          calls++;
          await released;
          return DONE;
        }),
      });
      await claimed;
      const leaseEnd = async () => (await q.store.get(m.id))?.leaseExpiresAt?.getTime() ?? 0;
      // Ten steps of 100 ms: without renewals the lease (150 ms) would have run out at the second.
      for (let step = 0; step < 10; step++) {
        now += 100;
        const deadline = Date.now() + 10_000;
        while ((await leaseEnd()) < now + 150) {
          if (Date.now() > deadline) throw new Error(`the lease was not renewed at step ${step}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      release();
      await q.waitAllFinal([m.id]);
      expect(calls).toBe(1);
      expect(await q.store.get(m.id)).toMatchObject({ status: 'COMPLETED', attempts: 1, retryCount: 0 });
    });

    it('ends dead-lettered, not looping, when every attempt loses its worker', async () => {
      const m = await q.enqueue({ maxRetries: 1 });
      const now = () => new Date();
      await q.store.claim({ workerId: 'dies-1', limit: 1, leaseMs: 50, now: now() });
      await q.startWorker({ concurrency: 0, processor: processor(async () => DONE) });
      await q.waitFor((e) => e.messageId === m.id && e.kind === 'retry-scheduled');
      await q.store.claim({ workerId: 'dies-2', limit: 1, leaseMs: 50, now: now() });
      await q.waitAllFinal([m.id]);
      expect(await q.store.get(m.id)).toMatchObject({ status: 'FAILED', deadLettered: true, retryCount: 1 });
      expect((await q.store.get(m.id))?.errorMessage).toMatch(/lease expired/);
    });
  });

  describe('progress', () => {
    it('records each reported progress as a new version while the attempt runs', async () => {
      const m = await q.enqueue();
      await q.startWorker({
        processor: processor(async (_job, ctx) => {
          ctx.reportProgress([{ step: 'one', status: 'DONE' }]);
          await new Promise((r) => setImmediate(r));
          ctx.reportProgress([
            { step: 'one', status: 'DONE' },
            { step: 'two', status: 'DONE' },
          ]);
          return DONE;
        }),
      });
      await q.waitAllFinal([m.id]);
      const events = await q.store.history(m.id, 0);
      expect(events.map((e) => e.kind)).toEqual(['enqueued', 'claimed', 'progress', 'progress', 'completed']);
      expect(events.at(-1)?.message.progress).toEqual([
        { step: 'one', status: 'DONE' },
        { step: 'two', status: 'DONE' },
      ]);
    });
  });

  describe('graceful stop', () => {
    it('claims nothing new, lets running attempts finish within the grace, and hands the rest back', async () => {
      const quick = await q.enqueue({ priority: 'URGENT' });
      const slow = await q.enqueue({ priority: 'URGENT' });
      const waiting = await q.enqueue({ priority: 'LOW' });
      let startedBoth!: () => void;
      const bothRunning = new Promise<void>((r) => {
        startedBoth = r;
      });
      let started = 0;
      const worker = await q.startWorker({
        concurrency: 2,
        processor: processor(async (job, ctx) => {
          if (++started === 2) startedBoth();
          await abortableWait(job.id === quick.id ? 50 : 60_000, ctx.signal);
          return DONE;
        }),
      });
      await bothRunning;
      await worker.stop(500);
      expect(await q.store.get(quick.id)).toMatchObject({ status: 'COMPLETED' });
      expect(await q.store.get(slow.id)).toMatchObject({
        status: 'PENDING',
        retryCount: 0,
        leaseOwner: null,
      });
      expect(await q.store.get(waiting.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect((await q.store.attemptsOf(slow.id)).map((a) => a.outcome)).toEqual(['RELEASED']);
    });
  });

  describe('events', () => {
    it("publishes changes made through another connection to this process's subscribers", async () => {
      const other = await q.openOther();
      const { newMessage } = await import('../helpers/messages.js');
      const { message } = await other.enqueue(
        newMessage({ createdAt: new Date() }),
        { maxSize: 10 },
        new Date(),
      );
      const event = await q.waitFor((e) => e.messageId === message.id);
      expect(event).toMatchObject({
        version: 1,
        kind: 'enqueued',
        message: { id: message.id, status: 'PENDING' },
      });
    });

    it('wakes an idle worker at once when this process enqueues', async () => {
      await q.startWorker({ pollMs: 60_000, processor: processor(async () => DONE) });
      const m = await q.enqueue();
      const done = await q.waitFor((e) => e.messageId === m.id && e.kind === 'completed', 2000);
      expect(done.message.status).toBe('COMPLETED');
    });
  });
});

// SQLite writes without waiting on I/O, so a batch's follow-ups can be written in the same turn of the event loop;
// a PostgreSQL batch waits for its database, a turn at least, whatever the worker does.
describe('worker pace on SQLite', () => {
  let q: TestQueue;
  beforeEach(async () => {
    q = await startTestQueue('SQLite');
  });
  afterEach(async () => q.close());

  it('takes more than its concurrency per turn when other work makes the turns long', async () => {
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push((await q.enqueue()).id);
    // Other work of the process (requests, subscriptions) stands here as a timer that holds each turn 40 ms.
    let hogging = true;
    const hog = () => {
      const end = performance.now() + 40;
      while (performance.now() < end) {}
      if (hogging) setTimeout(hog, 0);
    };
    // The turn each message was stored COMPLETED in, counted by an immediate that runs once every turn.
    let turn = 0;
    let counting = true;
    const count = () => {
      turn++;
      if (counting) setImmediate(count);
    };
    const turnOf = new Map<string, number>();
    q.events.onChange((e) => {
      if (e.kind === 'completed') turnOf.set(e.messageId, turn);
    });
    count();
    setTimeout(hog, 0);
    try {
      await q.startWorker({ concurrency: 2, processor: processor(async () => DONE) });
      await q.waitAllFinal(ids);
    } finally {
      hogging = false;
      counting = false;
    }
    const perTurn = new Map<number, number>();
    for (const t of turnOf.values()) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(turnOf.size).toBe(40);
    // Two per turn at most would take 20 turns (each a 40 ms hold for the rest of the process).
    expect(Math.max(...perTurn.values())).toBeGreaterThan(2);
    expect(perTurn.size).toBeLessThan(20);
  });
});
