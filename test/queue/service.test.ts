// The queue service as the API uses it, on the real runtime (quote processor, workers) on each engine.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Actor } from '../../src/queue/access.js';
import type { Message } from '../../src/queue/types.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type Engine, tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';

const admin: Actor = { id: 'admin-1', name: 'ada', role: 'admin' };
const alice: Actor = { id: 'sub-alice', name: 'alice', role: 'submitter' };
const bob: Actor = { id: 'sub-bob', name: 'bob', role: 'submitter' };
const rita: Actor = { id: 'rev-rita', name: 'rita', role: 'reviewer' };

const submission = (over: Record<string, unknown> = {}) => ({
  applicantName: '  Jane Doe ',
  address: '12 Oak Street, Austin, TX 78701',
  coverageAmount: 250_000,
  ...over,
});

let rt: Runtime | undefined;
const dbs: { cleanup(): Promise<void> }[] = [];
afterEach(async () => {
  await rt?.stop(0);
  rt = undefined;
  for (const d of dbs.splice(0)) await d.cleanup();
});

async function start(engine: Engine, env: Record<string, string> = {}): Promise<Runtime> {
  const db = await tempDatabase(engine);
  dbs.push(db);
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '3',
    RETRY_BACKOFF_MS: '10',
    WORKER_CONCURRENCY: '2',
    ...env,
  });
  rt = await startRuntime({ config, logger: createLogger('silent'), feedPollMs: 20 });
  return rt;
}

/** Resolves with the message once `done` holds for it, following its events (no polling). */
async function until(r: Runtime, id: string, done: (m: Message) => boolean): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`message ${id} never got there`)), 15_000);
    const finish = (m: Message) => {
      clearTimeout(timer);
      off();
      resolve(m);
    };
    const off = r.events.onChange((e) => {
      if (e.messageId === id && done(e.message)) finish(e.message);
    });
    void r.store.get(id).then((m) => m && done(m) && finish(m));
  });
}

describe.each(ENGINES)('queue service on %s', (engine) => {
  describe('submitQuote', () => {
    it('assigns priority from coverage when none is given: above 500,000 or below 100,000 is HIGH', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      const p = async (coverageAmount: number, priority?: 'LOW') =>
        (await r.service.submit(admin, { payload: submission({ coverageAmount }), priority })).message
          .priority;
      expect(await p(500_001)).toBe('HIGH');
      expect(await p(500_000)).toBe('NORMAL');
      expect(await p(100_000)).toBe('NORMAL');
      expect(await p(99_999)).toBe('HIGH');
      expect(await p(99_999, 'LOW')).toBe('LOW');
    });

    it('stores the trimmed submission, reports the queue position and an estimate', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      const first = await r.service.submit(alice, { payload: submission() });
      const second = await r.service.submit(alice, { payload: submission() });
      expect(first.message.payload).toMatchObject({ applicantName: 'Jane Doe' });
      expect([await first.queuePosition(), await second.queuePosition()]).toEqual([1, 2]);
      expect(await second.estimatedProcessingTime()).toMatch(/^about \d+ (second|seconds|minutes|hours)$/);
    });

    it('names the field at fault in BAD_USER_INPUT', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      const bad = (input: Parameters<typeof r.service.submit>[1]) => r.service.submit(alice, input);
      await expect(bad({ payload: submission({ applicantName: '   ' }) })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.submission.applicantName',
      });
      await expect(bad({ payload: submission({ coverageAmount: 50_000_001 }) })).rejects.toMatchObject({
        field: 'input.submission.coverageAmount',
      });
      await expect(bad({ payload: submission(), maxRetries: 11 })).rejects.toMatchObject({
        field: 'input.maxRetries',
      });
      await expect(bad({ payload: submission(), timeoutSeconds: 0 })).rejects.toMatchObject({
        field: 'input.timeoutSeconds',
      });
      await expect(bad({ payload: submission(), idempotencyKey: 'k'.repeat(201) })).rejects.toMatchObject({
        field: 'input.idempotencyKey',
      });
      // PostgreSQL text cannot hold U+0000: refused on both engines alike, never an internal error.
      await expect(bad({ payload: submission(), idempotencyKey: 'k\u0000' })).rejects.toMatchObject({
        field: 'input.idempotencyKey',
      });
      expect((await r.service.stats()).pendingCount).toBe(0);
    });

    it('refuses QUEUE_FULL at capacity, but an idempotent repeat still returns its message', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0', MAX_QUEUE_SIZE: '2' });
      const first = await r.service.submit(alice, { payload: submission(), idempotencyKey: 'order-1' });
      await r.service.submit(alice, { payload: submission() });
      await expect(r.service.submit(alice, { payload: submission() })).rejects.toMatchObject({
        code: 'QUEUE_FULL',
      });
      const again = await r.service.submit(alice, {
        payload: submission({ coverageAmount: 7 }),
        idempotencyKey: 'order-1',
      });
      expect(again).toMatchObject({
        created: false,
        message: { id: first.message.id, payload: { coverageAmount: 250_000 } },
      });
      // The key is scoped to its caller: bob's order-1 is a new message, and there is no room for it.
      await expect(
        r.service.submit(bob, { payload: submission(), idempotencyKey: 'order-1' }),
      ).rejects.toMatchObject({
        code: 'QUEUE_FULL',
      });
    });

    it('refuses fault injection unless ALLOW_FAULT_INJECTION is on', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      await expect(
        r.service.submit(alice, { payload: submission(), options: { simulate: { failAttempts: 1 } } }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('checks fault injection where it is asked for, naming the field (and the item of a batch)', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0', ALLOW_FAULT_INJECTION: 'true' });
      await expect(
        r.service.submit(alice, { payload: submission(), options: { simulate: { processingMs: -1 } } }),
      ).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.simulate.processingMs',
        rule: 'must be a whole number from 0 to 3600000',
      });
      await expect(
        r.service.submitMany(alice, [
          { payload: submission() },
          { payload: submission(), options: { simulate: { failAttempts: 101 } } },
        ]),
      ).rejects.toMatchObject({ field: 'input[1].simulate.failAttempts' });
      // A bad payload is found first, as before the options were checked.
      await expect(
        r.service.submit(alice, { payload: submission({ coverageAmount: -1 }), options: { simulate: {} } }),
      ).rejects.toMatchObject({ field: 'input.submission.coverageAmount' });
      const { message } = await r.service.submit(alice, {
        payload: submission(),
        options: { useAgentic: false, simulate: { failAttempts: 1, failPermanently: false } },
      });
      expect(message.options).toEqual({ simulate: { failAttempts: 1 } });
      const plain = await r.service.submit(alice, { payload: submission(), options: { useAgentic: false } });
      expect(plain.message.options).toBeNull();
    });

    it('with fault injection, fails the first attempts and completes on a retry', async () => {
      const r = await start(engine, { ALLOW_FAULT_INJECTION: 'true' });
      const { message } = await r.service.submit(alice, {
        payload: submission(),
        options: { simulate: { failAttempts: 2 } },
      });
      const done = await until(r, message.id, (m) => m.status === 'COMPLETED' || m.status === 'FAILED');
      expect(done).toMatchObject({ status: 'COMPLETED', retryCount: 2 });
      expect(done.result).toMatchObject({ decision: 'APPROVED' });
    });
  });

  describe('runQuote (synchronous)', () => {
    it('processes within the call through the same processor and records the message', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      const m = await r.service.run(alice, { payload: submission(), options: { useAgentic: true } });
      expect(m).toMatchObject({ status: 'COMPLETED', owner: alice.id, result: { decision: 'APPROVED' } });
      expect((m.result as { steps: unknown[] }).steps).toHaveLength(5);
      const kinds = (await r.service.history(alice, m.id)).map((e) => e.kind);
      expect(kinds[0]).toBe('enqueued');
      expect(kinds[1]).toBe('claimed');
      expect(kinds).toContain('progress');
      expect(kinds.at(-1)).toBe('completed');
    });
  });

  describe('human review', () => {
    it('refers coverage above 1,000,000 until a reviewer answers, once', async () => {
      const r = await start(engine);
      const { message } = await r.service.submit(alice, {
        payload: submission({ coverageAmount: 1_000_001 }),
      });
      const referred = await until(r, message.id, (m) => m.status === 'COMPLETED');
      expect(referred.result).toMatchObject({ decision: 'REFERRED' });
      expect(referred.review.state).toBe('PENDING');
      expect(referred.review.reasons.length).toBeGreaterThan(0);
      await expect(r.service.review(alice, message.id, 'APPROVE', null)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(r.service.review(rita, message.id, 'APPROVE', 'ok\u0000')).rejects.toMatchObject({
        field: 'notes',
      });
      const approved = await r.service.review(rita, message.id, 'APPROVE', '  checked the survey ');
      expect(approved.review).toMatchObject({
        state: 'APPROVED',
        reviewer: 'rita',
        notes: 'checked the survey',
      });
      await expect(r.service.review(rita, message.id, 'REJECT', null)).rejects.toMatchObject({
        code: 'INVALID_STATE',
      });
    });

    it('needs no review for an ordinary quote', async () => {
      const r = await start(engine);
      const { message } = await r.service.submit(alice, { payload: submission() });
      const done = await until(r, message.id, (m) => m.status === 'COMPLETED');
      expect(done.review.state).toBe('NOT_REQUIRED');
      await expect(r.service.review(rita, message.id, 'APPROVE', null)).rejects.toMatchObject({
        code: 'INVALID_STATE',
      });
    });
  });

  describe('cancel, retry and access', () => {
    it('cancels a PENDING message once; other states are INVALID_STATE', async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      const { message } = await r.service.submit(alice, { payload: submission() });
      expect(await r.service.cancel(alice, message.id)).toMatchObject({ status: 'CANCELLED', version: 2 });
      await expect(r.service.cancel(alice, message.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await expect(r.service.retry(admin, message.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    });

    it("hides another submitter's messages and lets only admins retry", async () => {
      const r = await start(engine, { WORKER_CONCURRENCY: '0' });
      const { message } = await r.service.submit(alice, { payload: submission() });
      expect(await r.service.get(bob, message.id)).toBeNull();
      await expect(r.service.cancel(bob, message.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await r.service.get(rita, message.id)).toMatchObject({ id: message.id });
      expect((await r.service.list(bob, {}, { limit: 10 })).length).toBe(0);
      expect((await r.service.list(rita, {}, { limit: 10 })).length).toBe(1);
      await expect(r.service.retry(alice, message.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('retries a dead-lettered message with a full budget, and it completes', async () => {
      const r = await start(engine, { ALLOW_FAULT_INJECTION: 'true' });
      const { message } = await r.service.submit(alice, {
        payload: submission(),
        maxRetries: 1,
        options: { simulate: { failAttempts: 2 } },
      });
      const dead = await until(r, message.id, (m) => m.status === 'FAILED');
      expect(dead).toMatchObject({
        deadLettered: true,
        retryCount: 1,
        errorMessage: expect.stringMatching(/simulated/),
      });
      expect(await r.service.stats()).toMatchObject({ failedCount: 1, deadLetterCount: 1 });
      const again = await r.service.retry(admin, message.id);
      expect(again).toMatchObject({ status: 'PENDING', retryCount: 0, deadLettered: false });
      const done = await until(r, message.id, (m) => m.status === 'COMPLETED');
      expect(done.attempts).toBe(3);
    });
  });
});
