// Dead letters over the real API on both engines: a permanent failure goes straight to FAILED with its reason and
// no retry spent; retryMessages sends back every dead letter a filter matches (priority, error text, time range),
// more than one transaction's worth, and says how many; only admins may.
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, serverPerTest, type TestServer } from '../helpers/server.js';

const SUBMIT_MANY = /* GraphQL */ `
  mutation Many($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId } }
`;
const RETRY_MANY = 'mutation R($filter: DeadLetterFilter!) { retryMessages(filter: $filter) }';
const MESSAGE = /* GraphQL */ `
  query M($id: ID!) {
    queueMessage(id: $id) { status deadLettered retryCount maxRetries errorMessage attempts { outcome error } }
  }
`;

type Stats = { deadLetterCount: number; pendingCount: number; processingCount: number };

/** Resolves once queueStats (over WebSocket) satisfies `done`. */
function statsUntil(t: TestServer, done: (s: Stats) => boolean, key?: string): Promise<void> {
  const client = t.ws(key);
  return new Promise((resolve, reject) => {
    const stop = client.subscribe<{ queueStats: Stats }>(
      { query: 'subscription { queueStats { deadLetterCount pendingCount processingCount } }' },
      {
        next: (v) => {
          if (v.data && done(v.data.queueStats)) {
            stop();
            resolve();
          }
        },
        error: reject,
        complete: () => {},
      },
    );
  });
}

const failing = (i: number, over: Record<string, unknown> = {}) => ({
  submission: { ...SUBMISSION, applicantName: `Dead ${i}` },
  maxRetries: 0,
  simulate: { failAttempts: 1 },
  ...over,
});

describe.each(ENGINES)('dead letters on %s', (engine) => {
  const startServer = serverPerTest();

  it('a permanent failure is dead-lettered at once with its reason, no retry spent', async () => {
    const t = await startServer({ ALLOW_FAULT_INJECTION: 'true' }, { engine });
    const res = await t.gql<{ submitQuotes: { messageId: string }[] }>(SUBMIT_MANY, {
      input: [{ submission: SUBMISSION, maxRetries: 5, simulate: { failPermanently: true } }],
    });
    expect(res.errors).toBeUndefined();
    const id = res.data!.submitQuotes[0]!.messageId;
    await statsUntil(t, (s) => s.deadLetterCount === 1);
    const m = await t.gql<{ queueMessage: Record<string, unknown> }>(MESSAGE, { id });
    expect(m.data!.queueMessage).toEqual({
      status: 'FAILED',
      deadLettered: true,
      retryCount: 0,
      maxRetries: 5,
      errorMessage: 'simulated permanent failure: bad data found during underwriting',
      attempts: [
        { outcome: 'FAILED', error: 'simulated permanent failure: bad data found during underwriting' },
      ],
    });
  });

  it('retryMessages sends back what the filter matches and says how many', async () => {
    const t = await startServer({ ALLOW_FAULT_INJECTION: 'true' }, { engine });
    const before = new Date();
    await t.gql(SUBMIT_MANY, {
      input: [
        failing(0, { priority: 'HIGH' }),
        failing(1, { priority: 'HIGH' }),
        failing(2, { priority: 'LOW' }),
        { submission: SUBMISSION, priority: 'LOW', simulate: { failPermanently: true } },
      ],
    });
    await statsUntil(t, (s) => s.deadLetterCount === 4);
    const count = async (filter: Record<string, unknown>) => {
      const res = await t.gql<{ retryMessages: number }>(RETRY_MANY, { filter });
      expect(res.errors).toBeUndefined();
      return res.data!.retryMessages;
    };
    // Nothing failed before the test began, nor after a minute from now.
    expect(await count({ failedBefore: before.toISOString() })).toBe(0);
    expect(await count({ failedFrom: new Date(Date.now() + 60_000).toISOString() })).toBe(0);
    expect(await count({ errorContains: 'BAD DATA' })).toBe(1);
    expect(await count({ priority: ['HIGH'], errorContains: 'simulated failure' })).toBe(2);
    // The ones sent back fail no more (their one failing attempt is spent): only the LOW one is left.
    await statsUntil(t, (s) => s.deadLetterCount === 1 && s.pendingCount + s.processingCount === 0);
    const left = await t.gql<{ deadLetters: { nodes: { priority: string }[] } }>(
      'query { deadLetters(filter: { priority: [LOW] }) { nodes { priority } } }',
    );
    expect(left.data!.deadLetters.nodes).toEqual([{ priority: 'LOW' }]);
  });

  it('sends back more than one transaction holds, and only for admins', async () => {
    const t = await startServer(
      {
        ALLOW_FAULT_INJECTION: 'true',
        API_KEYS: 'a1:admin:ops,s1:submitter:alice',
        RATE_LIMIT_PER_SECOND: '1000',
        WORKER_CONCURRENCY: '4',
      },
      { engine },
    );
    const n = 260;
    const sent = await t.gql(SUBMIT_MANY, { input: Array.from({ length: n }, (_, i) => failing(i)) }, 's1');
    expect(sent.errors).toBeUndefined();
    await statsUntil(t, (s) => s.deadLetterCount === n, 'a1');
    const refused = await t.gql(RETRY_MANY, { filter: {} }, 's1');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const res = await t.gql<{ retryMessages: number }>(RETRY_MANY, { filter: {} }, 'a1');
    expect(res.data?.retryMessages).toBe(n);
    await statsUntil(t, (s) => s.deadLetterCount === 0 && s.pendingCount + s.processingCount === 0, 'a1');
  }, 60_000);
});
