// Every contract operation over HTTP, with the error codes each can answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { recordEvents, SUBMISSION, SUBMIT, startTestServer, type TestServer } from '../helpers/server.js';

type Submitted = {
  submitQuote: {
    messageId: string;
    status: string;
    priority: string;
    queuePosition: number;
    message: { version: number };
  };
};
type Msg = { id: string; status: string; version: number; retryCount: number; deadLettered: boolean };

const MESSAGE = `id status version retryCount deadLettered errorMessage
  result { decision annualPremium reasons factors { name value reason } basePremium }
  review { state reasons reviewer notes decidedAt }`;

describe.each(ENGINES)('operations on %s', (engine) => {
  describe('with a worker', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ ALLOW_FAULT_INJECTION: 'true' }, { engine });
    });
    afterAll(() => t.stop());

    it('submitQuote queues a message and the worker completes it', async () => {
      const done = new Promise<string>((resolve) => {
        const off = t.runtime.events.onChange((e) => {
          if (e.kind === 'completed') {
            off();
            resolve(e.messageId);
          }
        });
      });
      const res = await t.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION } });
      expect(res.errors).toBeUndefined();
      const p = res.data!.submitQuote;
      expect(p).toMatchObject({ status: 'PENDING', priority: 'NORMAL', message: { version: 1 } });
      expect(p.queuePosition).toBeGreaterThanOrEqual(0);
      expect(await done).toBe(p.messageId);
      const read = await t.gql<{
        queueMessage: Msg & { result: { decision: string; annualPremium: number } };
      }>(`query($id: ID!) { queueMessage(id: $id) { ${MESSAGE} } }`, { id: p.messageId });
      expect(read.data!.queueMessage).toMatchObject({
        status: 'COMPLETED',
        result: { decision: 'APPROVED' },
      });
      expect(read.data!.queueMessage.result.annualPremium).toBeGreaterThan(0);
    });

    it('assigns HIGH to coverage above 500,000 when no priority is given', async () => {
      const res = await t.gql<Submitted>(SUBMIT, {
        input: { submission: { ...SUBMISSION, coverageAmount: 600_000 } },
      });
      expect(res.data!.submitQuote.priority).toBe('HIGH');
    });

    it('the same idempotency key returns the first message', async () => {
      const input = { submission: SUBMISSION, idempotencyKey: 'same-key' };
      const a = await t.gql<Submitted>(SUBMIT, { input });
      const b = await t.gql<Submitted>(SUBMIT, {
        input: { ...input, submission: { ...SUBMISSION, coverageAmount: 9 } },
      });
      expect(b.data!.submitQuote.messageId).toBe(a.data!.submitQuote.messageId);
    });

    it('runQuote processes within the request', async () => {
      const res = await t.gql<{ runQuote: Msg & { result: { decision: string } } }>(
        `mutation($input: RunQuoteInput!) { runQuote(input: $input) { ${MESSAGE} } }`,
        { input: { submission: SUBMISSION, useAgentic: true } },
      );
      expect(res.data!.runQuote).toMatchObject({ status: 'COMPLETED', result: { decision: 'APPROVED' } });
    });

    it('a DECLINED quote has no premium', async () => {
      const res = await t.gql<{ runQuote: { result: { decision: string; annualPremium: number | null } } }>(
        'mutation($input: RunQuoteInput!) { runQuote(input: $input) { result { decision annualPremium } } }',
        { input: { submission: { ...SUBMISSION, priorClaims: 20 } } },
      );
      const result = res.data!.runQuote.result;
      if (result.decision === 'DECLINED') expect(result.annualPremium).toBeNull();
      else expect(result.annualPremium).toBeGreaterThan(0);
    });

    it('cancelMessage cancels a PENDING message, and answers INVALID_STATE after', async () => {
      t.runtime.worker?.pause();
      const res = await t.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION } });
      const id = res.data!.submitQuote.messageId;
      const cancel = `mutation($id: ID!) { cancelMessage(id: $id) { id status } }`;
      expect((await t.gql<{ cancelMessage: Msg }>(cancel, { id })).data!.cancelMessage.status).toBe(
        'CANCELLED',
      );
      const again = await t.gql(cancel, { id });
      expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
      t.runtime.worker?.resume();
    });

    it('a message failing every attempt ends FAILED and dead-lettered; retryMessage sends it back', async () => {
      const dead = new Promise<string>((resolve) => {
        const off = t.runtime.events.onChange((e) => {
          if (e.kind === 'dead-lettered') {
            off();
            resolve(e.messageId);
          }
        });
      });
      const res = await t.gql<Submitted>(SUBMIT, {
        input: { submission: SUBMISSION, maxRetries: 1, simulate: { failAttempts: 2 } },
      });
      const id = res.data!.submitQuote.messageId;
      expect(await dead).toBe(id);
      const read = await t.gql<{ queueMessage: Msg & { errorMessage: string } }>(
        `query($id: ID!) { queueMessage(id: $id) { ${MESSAGE} } }`,
        { id },
      );
      expect(read.data!.queueMessage).toMatchObject({ status: 'FAILED', deadLettered: true, retryCount: 1 });
      expect(read.data!.queueMessage.errorMessage).toMatch(/simulated/);
      t.runtime.worker?.pause();
      const retried = await t.gql<{ retryMessage: Msg }>(
        'mutation($id: ID!) { retryMessage(id: $id) { id status retryCount deadLettered } }',
        { id },
      );
      expect(retried.data!.retryMessage).toMatchObject({
        status: 'PENDING',
        retryCount: 0,
        deadLettered: false,
      });
      const notFailed = await t.gql('mutation($id: ID!) { retryMessage(id: $id) { id } }', { id });
      expect(notFailed.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
      t.runtime.worker?.resume();
    });

    it('reviewQuote answers a REFERRED quote; INVALID_STATE when no review is pending', async () => {
      const events = recordEvents(t.runtime);
      const res = await t.gql<Submitted>(SUBMIT, {
        input: { submission: { ...SUBMISSION, coverageAmount: 2_000_000 } },
      });
      const id = res.data!.submitQuote.messageId;
      await events.waitFor((e) => e.messageId === id && e.kind === 'completed-review-pending');
      const review = `mutation($id: ID!, $notes: String) { reviewQuote(id: $id, action: APPROVE, notes: $notes) {
      result { decision } review { state reviewer notes decidedAt } } }`;
      const ok = await t.gql<{
        reviewQuote: { result: { decision: string }; review: Record<string, unknown> };
      }>(review, { id, notes: 'fine' });
      expect(ok.data!.reviewQuote.result.decision).toBe('REFERRED');
      expect(ok.data!.reviewQuote.review).toMatchObject({
        state: 'APPROVED',
        reviewer: 'open',
        notes: 'fine',
      });
      const again = await t.gql(review, { id });
      expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    });

    it('queueStats reports the figures, failedCount equal to deadLetterCount', async () => {
      const res = await t.gql<{ queueStats: Record<string, number> }>(
        `{ queueStats { pendingCount processingCount completedCount failedCount cancelledCount deadLetterCount
         maxSize oldestPending longestProcessing reviewPendingCount workerPaused } }`,
      );
      const s = res.data!.queueStats;
      expect(s.maxSize).toBe(1000);
      expect(s.failedCount).toBe(s.deadLetterCount);
      expect(s.completedCount).toBeGreaterThan(0);
    });

    it('queueMessages pages newest first with cursors', async () => {
      const page = `query($after: String) { queueMessages(first: 2, after: $after) {
      totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
      type Page = {
        queueMessages: {
          totalCount: number;
          edges: { node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const first = await t.gql<Page>(page);
      const conn = first.data!.queueMessages;
      expect(conn.edges).toHaveLength(2);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      const second = await t.gql<Page>(page, { after: conn.pageInfo.endCursor });
      const ids = second.data!.queueMessages.edges.map((e) => e.node.id);
      expect(ids).not.toContain(conn.edges[0]!.node.id);
      const bad = await t.gql(page, { after: 'nonsense' });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('queueMessage is null for an unknown id; mutations answer NOT_FOUND', async () => {
      const read = await t.gql<{ queueMessage: null }>('{ queueMessage(id: "nope") { id } }');
      expect(read.data!.queueMessage).toBeNull();
      for (const m of [
        'cancelMessage(id: "nope")',
        'retryMessage(id: "nope")',
        'reviewQuote(id: "nope", action: REJECT)',
      ]) {
        const res = await t.gql(`mutation { ${m} { id } }`);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
    });

    it('BAD_USER_INPUT names the field at fault', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ submission: { ...SUBMISSION, applicantName: '   ' } }, 'input.submission.applicantName'],
        [{ submission: { ...SUBMISSION, applicantName: 'x'.repeat(201) } }, 'input.submission.applicantName'],
        [{ submission: { ...SUBMISSION, address: 'y'.repeat(501) } }, 'input.submission.address'],
        [{ submission: { ...SUBMISSION, coverageAmount: 0 } }, 'input.submission.coverageAmount'],
        [{ submission: SUBMISSION, maxRetries: 11 }, 'input.maxRetries'],
        [{ submission: SUBMISSION, timeoutSeconds: 0 }, 'input.timeoutSeconds'],
        [{ submission: SUBMISSION, idempotencyKey: 'k'.repeat(201) }, 'input.idempotencyKey'],
      ];
      for (const [input, field] of cases) {
        const res = await t.gql(SUBMIT, { input });
        expect(res.errors?.[0]?.extensions?.code, field).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toContain(field);
      }
      const notes = await t.gql(
        'mutation($n: String) { reviewQuote(id: "x", action: APPROVE, notes: $n) { id } }',
        {
          n: 'n'.repeat(3000),
        },
      );
      expect(notes.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|NOT_FOUND/);
    });
  });

  describe('without a worker and with a small queue', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ WORKER_CONCURRENCY: '0', MAX_QUEUE_SIZE: '2' }, { engine });
    });
    afterAll(() => t.stop());

    it('refuses submissions beyond MAX_QUEUE_SIZE with QUEUE_FULL, but still answers a known idempotency key', async () => {
      const first = await t.gql<Submitted>(SUBMIT, {
        input: { submission: SUBMISSION, idempotencyKey: 'k1' },
      });
      await t.gql(SUBMIT, { input: { submission: SUBMISSION } });
      const full = await t.gql(SUBMIT, { input: { submission: SUBMISSION } });
      expect(full.errors?.[0]?.extensions?.code).toBe('QUEUE_FULL');
      const again = await t.gql<Submitted>(SUBMIT, {
        input: { submission: SUBMISSION, idempotencyKey: 'k1' },
      });
      expect(again.data!.submitQuote.messageId).toBe(first.data!.submitQuote.messageId);
    });

    it('reports queue positions in take order', async () => {
      const stats = await t.gql<{ queueStats: { pendingCount: number } }>('{ queueStats { pendingCount } }');
      expect(stats.data!.queueStats.pendingCount).toBe(2);
    });

    it('refuses simulate with FORBIDDEN without ALLOW_FAULT_INJECTION', async () => {
      const res = await t.gql(SUBMIT, { input: { submission: SUBMISSION, simulate: { failAttempts: 1 } } });
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
