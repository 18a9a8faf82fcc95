// submitQuotes over the real API on both engines: all or nothing, errors naming the item, capacity and idempotency
// per item, answers in input order, and a batch charged one request of the rate limit per item.
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, serverPerTest, type TestServer } from '../helpers/server.js';

const SUBMIT_MANY = /* GraphQL */ `
  mutation Many($input: [SubmitQuoteInput!]!) {
    submitQuotes(input: $input) { messageId status priority created message { id payload } }
  }
`;
const PENDING = 'query { queueStats { pendingCount processingCount } }';

type Answer = {
  messageId: string;
  status: string;
  priority: string;
  created: boolean;
  message: { payload: { applicantName: string } };
};

const item = (i: number, over: Record<string, unknown> = {}) => ({
  submission: { ...SUBMISSION, applicantName: `Applicant ${i}` },
  ...over,
});

describe.each(ENGINES)('submitQuotes on %s', (engine) => {
  const startServer = serverPerTest();

  const start = async (env: Record<string, string> = {}) => {
    // No worker: what a batch created stays PENDING, to be counted.
    return startServer({ WORKER_CONCURRENCY: '0', ...env }, { engine });
  };
  const active = async (s: TestServer, key?: string) => {
    const res = await s.gql<{ queueStats: { pendingCount: number; processingCount: number } }>(
      PENDING,
      {},
      key,
    );
    return res.data!.queueStats.pendingCount + res.data!.queueStats.processingCount;
  };

  it('creates every item in one go and answers in input order', async () => {
    const s = await start();
    const res = await s.gql<{ submitQuotes: Answer[] }>(SUBMIT_MANY, {
      input: [item(0), item(1, { priority: 'URGENT' }), item(2)],
    });
    expect(res.errors).toBeUndefined();
    const answers = res.data!.submitQuotes;
    expect(answers.map((a) => a.message.payload.applicantName)).toEqual([
      'Applicant 0',
      'Applicant 1',
      'Applicant 2',
    ]);
    expect(answers.map((a) => [a.status, a.priority, a.created])).toEqual([
      ['PENDING', 'NORMAL', true],
      ['PENDING', 'URGENT', true],
      ['PENDING', 'NORMAL', true],
    ]);
    expect(new Set(answers.map((a) => a.messageId)).size).toBe(3);
    expect(await active(s)).toBe(3);
  });

  it('rejects the whole batch when one item is bad, naming its index and field', async () => {
    const s = await start();
    const bad = item(3);
    bad.submission.coverageAmount = 0;
    const res = await s.gql(SUBMIT_MANY, { input: [item(0), item(1), item(2), bad, item(4)] });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('input[3].submission.coverageAmount');
    expect(res.errors?.[0]?.extensions?.field).toBe('input[3].submission.coverageAmount');
    expect(await active(s)).toBe(0);
  });

  it('rejects an empty batch and one of more than 1,000', async () => {
    const s = await start({ MAX_QUEUE_SIZE: '5000' });
    for (const input of [[], Array.from({ length: 1001 }, (_, i) => item(i))]) {
      const res = await s.gql(SUBMIT_MANY, { input });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/^input: must hold 1 to 1000 submissions/);
    }
    expect(await active(s)).toBe(0);
  });

  it('creates nothing when the batch would pass MAX_QUEUE_SIZE, and fills it exactly', async () => {
    const s = await start({ MAX_QUEUE_SIZE: '10' });
    await s.gql(SUBMIT_MANY, { input: [item(0), item(1)] });
    const over = await s.gql(SUBMIT_MANY, { input: Array.from({ length: 9 }, (_, i) => item(i)) });
    expect(over.errors?.[0]?.extensions?.code).toBe('QUEUE_FULL');
    expect(await active(s)).toBe(2);
    const fits = await s.gql(SUBMIT_MANY, { input: Array.from({ length: 8 }, (_, i) => item(i)) });
    expect(fits.errors).toBeUndefined();
    expect(await active(s)).toBe(10);
  });

  it("creates nothing when the batch would pass the caller's MAX_ACTIVE_PER_OWNER", async () => {
    const s = await start({ MAX_ACTIVE_PER_OWNER: '4', API_KEYS: 'k1:submitter:alice,k2:submitter:bob' });
    const over = await s.gql(SUBMIT_MANY, { input: Array.from({ length: 5 }, (_, i) => item(i)) }, 'k1');
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'QUEUE_FULL', scope: 'owner' });
    const fits = await s.gql(SUBMIT_MANY, { input: Array.from({ length: 4 }, (_, i) => item(i)) }, 'k2');
    expect(fits.errors).toBeUndefined();
    expect(await active(s, 'k1')).toBe(4);
  });

  it('honours idempotency keys per item, within the batch and against earlier ones', async () => {
    const s = await start();
    const first = await s.gql<{ submitQuotes: Answer[] }>(SUBMIT_MANY, {
      input: [item(0, { idempotencyKey: 'a' })],
    });
    const again = await s.gql<{ submitQuotes: Answer[] }>(SUBMIT_MANY, {
      input: [
        item(1, { idempotencyKey: 'a' }),
        item(2, { idempotencyKey: 'b' }),
        item(3, { idempotencyKey: 'b' }),
      ],
    });
    expect(again.errors).toBeUndefined();
    const [a, b1, b2] = again.data!.submitQuotes;
    expect(a).toMatchObject({ messageId: first.data!.submitQuotes[0]!.messageId, created: false });
    expect(a!.message.payload.applicantName).toBe('Applicant 0');
    expect(b1!.created).toBe(true);
    expect(b2).toMatchObject({ messageId: b1!.messageId, created: false });
    expect(await active(s)).toBe(2);
  });

  it('are followed with queueMessagesByIds: in the order asked, null for unknown ids and for other keys', async () => {
    const s = await start({ API_KEYS: 'k1:submitter:alice,k2:submitter:bob' });
    const mine = await s.gql<{ submitQuotes: Answer[] }>(SUBMIT_MANY, { input: [item(0), item(1)] }, 'k1');
    const theirs = await s.gql<{ submitQuotes: Answer[] }>(SUBMIT_MANY, { input: [item(2)] }, 'k2');
    const [a, b] = mine.data!.submitQuotes.map((x) => x.messageId);
    const c = theirs.data!.submitQuotes[0]!.messageId;
    const read = await s.gql<{ queueMessagesByIds: ({ id: string; status: string } | null)[] }>(
      'query Ids($ids: [ID!]!) { queueMessagesByIds(ids: $ids) { id status } }',
      { ids: [b, 'unknown', c, a] },
      'k1',
    );
    expect(read.data!.queueMessagesByIds).toEqual([
      { id: b, status: 'PENDING' },
      null,
      null,
      { id: a, status: 'PENDING' },
    ]);
  });

  it('takes 1,000 in one request', async () => {
    const s = await start({ API_KEYS: 'k1:submitter:alice', RATE_LIMIT_PER_SECOND: '1000' });
    const res = await s.gql<{ submitQuotes: Answer[] }>(
      'mutation Many($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId } }',
      { input: Array.from({ length: 1000 }, (_, i) => item(i)) },
      'k1',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.submitQuotes).toHaveLength(1000);
    expect(await active(s, 'k1')).toBe(1000);
  });

  describe('charged one request of the rate limit per item', () => {
    const LIMITED = {
      API_KEYS: 'k1:submitter:alice,k2:submitter:bob,k3:submitter:carol,ka:admin',
      RATE_LIMIT_PER_SECOND: '50',
    };
    const many = (n: number) => ({ input: Array.from({ length: n }, (_, i) => item(i)) });

    it('counts a batch above one second of budget as that budget: it passes with all of it left, and spends it', async () => {
      const s = await start(LIMITED);
      const first = await s.gql(SUBMIT_MANY, many(51), 'k1');
      expect(first.errors).toBeUndefined();
      // Nothing is left: the next batch is refused whole over HTTP with 429, creating nothing.
      const res = await fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k1' },
        body: JSON.stringify({ query: SUBMIT_MANY, variables: many(51) }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(body.errors?.[0]?.message).toMatch(/slow down/);
      expect(await active(s, 'ka')).toBe(51);
    });

    it('refuses a document counted above one second of budget whole: two batches, or a batch and more', async () => {
      const s = await start(LIMITED);
      const two = `mutation Two($input: [SubmitQuoteInput!]!) { a: submitQuotes(input: $input) { messageId } b: submitQuotes(input: $input) { messageId } }`;
      const res = await s.gql(two, many(30), 'k1');
      expect(res.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(res.errors?.[0]?.message).toMatch(/counts as 60 requests.*50 per second.*split it/);
      // An inline list is counted the same way as a variable.
      const inline = `mutation { a: submitQuotes(input: [${Array.from({ length: 30 }, () => `{ submission: { applicantName: "A", address: "1 Main St", coverageAmount: 250000 } }`).join(', ')}]) { messageId } b: submitQuote(input: { submission: { applicantName: "A", address: "1 Main St", coverageAmount: 250000 } }) { messageId } c: submitQuotes(input: [${Array.from({ length: 30 }, () => `{ submission: { applicantName: "A", address: "1 Main St", coverageAmount: 250000 } }`).join(', ')}]) { messageId } }`;
      const literal = await s.gql(inline, {}, 'k1');
      expect(literal.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(literal.errors?.[0]?.message).toMatch(/counts as 61 requests/);
      expect(await active(s, 'ka')).toBe(0);
    });

    it('passes a batch that fits, then refuses one above what is left, creating nothing', async () => {
      const s = await start(LIMITED);
      const first = await s.gql(SUBMIT_MANY, many(45), 'k2');
      expect(first.errors).toBeUndefined();
      // 5 of 50 left: 45 more would need about 0.8 s of refill.
      const second = await s.gql(SUBMIT_MANY, many(45), 'k2');
      expect(second.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(second.errors?.[0]?.message).toMatch(/counts as 45 .*slow down/);
      // Another key keeps its own budget.
      expect((await s.gql(SUBMIT_MANY, many(50), 'k3')).errors).toBeUndefined();
      expect(await active(s, 'ka')).toBe(95);
    });

    it('charges the same over WebSocket', async () => {
      const s = await start(LIMITED);
      const client = s.ws('k1');
      const send = () =>
        new Promise<{ errors?: { extensions?: { code?: string } }[] }>((resolve, reject) => {
          let got = {};
          client.subscribe(
            { query: SUBMIT_MANY, variables: many(51) },
            { next: (r) => (got = r), error: reject, complete: () => resolve(got) },
          );
        });
      expect((await send()).errors).toBeUndefined();
      // Nothing is left: the next subscribe is refused (an error message on the socket, not a result).
      const refused = await send().then(
        (r) => r.errors,
        (e: unknown) => e,
      );
      expect(JSON.stringify(refused)).toContain('RATE_LIMITED');
      expect(await active(s, 'ka')).toBe(51);
    });
  });
});
