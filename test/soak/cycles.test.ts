// Soak: 10,000 subscribe/unsubscribe cycles and 1,000 WebSocket connect/disconnect cycles (some cut without
// a closing handshake, some with subscriptions open). Listeners, subscriptions and sockets return exactly to
// their baseline, and the heap to within a margin of it.
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SUBMISSION, SUBMIT, startTestServer, type TestServer } from '../helpers/server.js';
import { settledHeapBytes } from './gc.js';

let t: TestServer;
let messageId: string;
beforeAll(async () => {
  t = await startTestServer({ WORKER_CONCURRENCY: '0' });
  const res = await t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
    input: { submission: SUBMISSION },
  });
  messageId = res.data!.submitQuote.messageId;
});
afterAll(() => t.stop());

const QUERIES = [
  { query: 'subscription($id: ID!) { messageStatus(id: $id) { id version } }' },
  { query: 'subscription { queueStats { pendingCount } }' },
];

/** Subscribes, waits for the first value, unsubscribes. */
function cycle(client: Client, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const unsubscribe = client.subscribe(
      { ...QUERIES[n % 2]!, variables: { id: messageId } },
      {
        next: () => {
          unsubscribe();
          resolve();
        },
        error: reject,
        complete: () => resolve(),
      },
    );
  });
}

function baseline() {
  return {
    listeners: t.runtime.events.listenerCount(),
    subscriptions: t.server.openSubscriptions,
    sockets: t.server.openSockets,
    clients: t.server.socketClients,
  };
}

describe('soak', () => {
  it('10,000 subscribe/unsubscribe cycles leave no listener, subscription or memory behind', async () => {
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    await cycle(client, 0); // warm up: connection, schema caches, prepared statements
    // The client is lazy: it closes its socket when its last subscription ends (after the warm-up and after
    // each batch), and the server counts that socket until the closing handshake is done. So both baselines
    // are read once the socket is gone, never in the middle of that handshake.
    await expect
      .poll(() => [t.server.openSubscriptions, t.server.openSockets, t.server.socketClients])
      .toEqual([0, 0, 0]);
    const before = baseline();
    const heapBefore = settledHeapBytes();
    // 100 at a time, the most one socket may hold.
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => cycle(client, batch * 100 + i)));
    }
    await expect.poll(() => baseline(), { timeout: 5000 }).toEqual(before);
    const grownMb = (settledHeapBytes() - heapBefore) / 1e6;
    expect(grownMb).toBeLessThan(8);
    await client.dispose();
  });

  it('1,000 WebSocket connect/disconnect cycles leave no socket, listener or memory behind', async () => {
    await expect.poll(() => t.server.openSockets).toBe(0);
    const before = baseline();
    const heapBefore = settledHeapBytes();
    for (let n = 0; n < 1000; n++) {
      const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      ws.on('error', () => {});
      await new Promise<void>((resolve) => ws.once('open', () => resolve()));
      ws.send(JSON.stringify({ type: 'connection_init' }));
      await new Promise<void>((resolve) => ws.once('message', () => resolve()));
      if (n % 3 === 1) {
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { ...QUERIES[0], variables: { id: messageId } },
          }),
        );
        await new Promise<void>((resolve) => ws.once('message', () => resolve()));
      }
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      // Every third is cut without a closing handshake, as a crashed client or a dropped network would.
      if (n % 3 === 2) ws.terminate();
      else ws.close(1000);
      await closed;
    }
    await expect.poll(() => baseline(), { timeout: 5000 }).toEqual(before);
    const grownMb = (settledHeapBytes() - heapBefore) / 1e6;
    expect(grownMb).toBeLessThan(8);
  });
});
