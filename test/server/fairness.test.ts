// Fairness between callers over the real API on both engines: caller A queues 5,000 at NORMAL, then caller B 10 at
// NORMAL; with the worker at concurrency 4, B's 10 are all taken before A's next 30.
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, serverPerTest } from '../helpers/server.js';

const SUBMIT_MANY = /* GraphQL */ `
  mutation Many($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId } }
`;
const batch = (n: number, who: string) =>
  Array.from({ length: n }, (_, i) => ({
    submission: { ...SUBMISSION, applicantName: `${who} ${i}` },
    priority: 'NORMAL',
  }));

describe.each(ENGINES)('fairness between callers on %s', (engine) => {
  const startServer = serverPerTest();

  it("takes all of B's 10 before A's next 30, though A queued 5,000 first", async () => {
    const server = await startServer(
      {
        API_KEYS: 'ka:submitter:A,kb:submitter:B',
        // Each item of a batch is one request: five batches of 1,000 back to back need this budget.
        RATE_LIMIT_PER_SECOND: '10000',
        MAX_QUEUE_SIZE: '6000',
        WORKER_CONCURRENCY: '4',
      },
      { engine },
    );
    // Nothing is taken until both have queued, so the order below is the claim's alone.
    server.runtime.worker?.pause();
    for (let i = 0; i < 5; i++) {
      const res = await server.gql(SUBMIT_MANY, { input: batch(1000, 'A') }, 'ka');
      expect(res.errors).toBeUndefined();
    }
    const b = await server.gql<{ submitQuotes: { messageId: string }[] }>(
      SUBMIT_MANY,
      { input: batch(10, 'B') },
      'kb',
    );
    expect(b.errors).toBeUndefined();
    const ofB = new Set(b.data!.submitQuotes.map((s) => s.messageId));

    const taken: string[] = [];
    const bDone = new Promise<void>((resolve) => {
      const off = server.runtime.events.onChange((e) => {
        if (e.kind !== 'claimed') return;
        taken.push(ofB.has(e.messageId) ? 'B' : 'A');
        if (taken.filter((o) => o === 'B').length === 10) {
          off();
          resolve();
        }
      });
    });
    server.runtime.worker?.resume();
    await bDone;
    const aBefore = taken.filter((o) => o === 'A').length;
    expect(aBefore).toBeLessThan(30);
    // Round-robin: about one of A's per one of B's, not A's backlog.
    expect(aBefore).toBeLessThanOrEqual(12);
  }, 120_000);
});
