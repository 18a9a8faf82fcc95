// A subscriber that stops reading (its socket paused, so TCP backpressure reaches the server) while the
// queue churns: the server does not buffer for it without bound (each stream waits for its socket; message
// streams hold at most 64 changes and then catch up from the log; figures keep only the newest), and
// everything it held is released when it goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SUBMISSION, SUBMIT, startTestServer, type TestServer } from '../helpers/server.js';
import { settledHeapBytes } from './gc.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ WORKER_CONCURRENCY: '4', MAX_QUEUE_SIZE: '100000' });
});
afterAll(() => t.stop());

const BIG = { ...SUBMISSION, address: `${'12 Main St, Austin, TX 78701 '.repeat(15)}`.trim() };

async function submit(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, () =>
        t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, { input: { submission: BIG } }),
      ),
    );
    ids.push(...batch.map((r) => r.data!.submitQuote.messageId));
  }
  return ids;
}

describe('a subscriber that stops reading', () => {
  it('does not grow the server’s memory without bound, and is released when it goes', async () => {
    await t.gql('mutation { pauseWorker }');
    const ids = await submit(50);
    const listeners = t.runtime.events.listenerCount();
    const heapBefore = settledHeapBytes();

    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    ws.on('error', () => {});
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise<void>((resolve) => ws.once('message', () => resolve()));
    const everything =
      'id status version payload retryCount result { decision annualPremium reasons } review { state }';
    ids.forEach((id, n) => {
      ws.send(
        JSON.stringify({
          id: `m${n}`,
          type: 'subscribe',
          payload: {
            query: `subscription($id: ID!) { messageStatus(id: $id) { ${everything} } }`,
            variables: { id },
          },
        }),
      );
      ws.send(
        JSON.stringify({
          id: `s${n}`,
          type: 'subscribe',
          payload: {
            query:
              'subscription { queueStats { pendingCount processingCount completedCount oldestPending longestProcessing } }',
          },
        }),
      );
    });
    await expect.poll(() => t.server.openSubscriptions).toBe(100);
    ws.pause(); // stops reading: the kernel buffers fill and the server's writes stop completing

    // Churn: 1,000 more messages through the worker, each a few changes that the 100 streams would carry.
    await t.gql('mutation { resumeWorker }');
    await submit(1000);
    await expect
      .poll(
        async () =>
          (
            await t.gql<{ queueStats: { pendingCount: number; processingCount: number } }>(
              '{ queueStats { pendingCount processingCount } }',
            )
          ).data!.queueStats,
        { timeout: 20_000 },
      )
      .toEqual({ pendingCount: 0, processingCount: 0 });
    const grownMb = (settledHeapBytes() - heapBefore) / 1e6;
    expect(grownMb).toBeLessThan(24);

    ws.terminate();
    await expect.poll(() => t.server.openSubscriptions, { timeout: 5000 }).toBe(0);
    expect(t.runtime.events.listenerCount()).toBe(listeners);
  });
});
