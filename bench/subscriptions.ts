// Workload 6, subscriptions: N graphql-ws subscribers of `messageStatus` on one server process, all on the
// same message (the widest fan-out: one change goes to every subscriber). The server is the real service
// in its own child process (bench/servers/child.ts); the subscribers are graphql-ws clients, 100
// subscriptions multiplexed on each WebSocket (the server's cap per socket), so N / 100 sockets.
// For the figures the target is about they are lean graphql-transport-ws clients (bench/lean-ws-client.ts)
// spread over two processes of their own (bench/subscriber-pool.ts), on the same 2 cores as the server; on the
// same server right after, graphql-ws's own client library in this one process, for comparison: with 10,000
// of those in one process, their per-frame work queues up on the client side.
//
// Each round: submit a message; open the sockets and subscriptions and wait until every subscriber has its
// first value (PENDING); read the server's memory; submit and cancel a spare message (absorbing what the
// probe's forced GC leaves to the next request); cancel the message over HTTP and time, for each
// subscriber, from just before the cancelMessage request is sent to the moment its CANCELLED value is handed
// to it (so the mutation's own round trip and commit are counted, an upper bound on the publish-to-delivery
// delay); p50 and p99 over the subscribers. Memory per subscriber: the child's RSS and V8 heap after a full
// GC, with every subscription open, less the same before the sockets opened, over N (so a socket's share is
// included).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Figure } from './figures.js';
import { figureOf } from './figures.js';
import { post } from './post.js';
import { startServerChild } from './servers/child.js';
import { percentile } from './stats.js';
import {
  createDeliveryTally,
  epochNow,
  type SubscriberPool,
  startSubscriberPool,
} from './subscriber-pool.js';
import { deadline } from './timing.js';

const PER_SOCKET = 100;
/** Processes the lean subscribers are spread over (bench/subscriber-pool.ts). */
const SUBSCRIBER_PROCESSES = 2;
const SUBMIT =
  'mutation { submitQuote(input: { submission: { applicantName: "Bench Applicant", address: "1 Main St, Austin, TX 78701", coverageAmount: 250000 } }) { messageId } }';
const CANCEL = 'mutation Cancel($id: ID!) { cancelMessage(id: $id) { id status version } }';
const FOLLOW =
  'subscription Follow($id: ID!) { messageStatus(id: $id) { id status version review { state } result { decision } } }';

interface Round {
  p50: number;
  p99: number;
  openMs: number;
  mutationMs: number;
  rssKb: number;
  heapKb: number;
}

/** Lean subscribers in the pool's processes, or graphql-ws's client library in this one. */
export type SubscriberClient = { lean: SubscriberPool } | 'graphql-ws';

export async function subscriptionRound(
  server: Awaited<ReturnType<typeof startServerChild>>,
  n: number,
  client: SubscriberClient,
): Promise<Round> {
  const submitted = await post(server.url, SUBMIT);
  const id = (submitted.submitQuote as { messageId: string }).messageId;
  const before = await server.memory();

  const request = { query: FOLLOW, variables: { id } };
  const t0 = performance.now();
  const opened = await deadline(
    typeof client === 'object'
      ? client.lean.open(server.wsUrl, n, request, 'CANCELLED')
      : openLibrarySubscribers(server.wsUrl, n, request),
    120_000,
    `subscriptions: opening ${n}`,
  );
  try {
    const openMs = performance.now() - t0;
    const after = await server.memory();
    // The memory probe's forced full GC leaves work to the next request: at 10,000 the cancel right after it
    // took ~30 ms, against ~6 ms with no probe and ~4 ms after one spare request (the same with
    // --no-flush-bytecode, so not recompiling; the heap's aftermath). A spare message is submitted and
    // cancelled first (it has no subscribers), so the timed change is the server's, not the probe's.
    const spare = await post(server.url, SUBMIT);
    await post(server.url, CANCEL, { id: (spare.submitQuote as { messageId: string }).messageId });

    const sentAt = epochNow();
    await post(server.url, CANCEL, { id });
    const mutationMs = epochNow() - sentAt;
    const at = await deadline(opened.delivered, 60_000, `subscriptions: delivering to ${n}`);
    const times = Array.from(at, (t) => t - sentAt);
    return {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      openMs,
      mutationMs,
      rssKb: (after.rss - before.rss) / 1024 / n,
      heapKb: (after.heapUsed - before.heapUsed) / 1024 / n,
    };
  } finally {
    await opened.close();
  }
}

/**
 * `n` subscribers with graphql-ws's own client library, in this process (100 per socket); resolves once each
 * has its first value. `delivered`: when each got its CANCELLED value, as epoch milliseconds.
 */
async function openLibrarySubscribers(
  wsUrl: string,
  n: number,
  request: { query: string; variables: Record<string, unknown> },
): Promise<{ delivered: Promise<Float64Array>; close(): Promise<void> }> {
  let allOpen!: () => void;
  let allDelivered!: (at: Float64Array) => void;
  let failed!: (e: unknown) => void;
  const open = new Promise<void>((resolve) => {
    allOpen = resolve;
  });
  const done = new Promise<Float64Array>((resolve) => {
    allDelivered = resolve;
  });
  const broken = new Promise<never>((_, reject) => {
    failed = reject;
  });
  broken.catch(() => {});
  const tally = createDeliveryTally(n, 'CANCELLED', {
    opened: allOpen,
    delivered: allDelivered,
    failed: (message) => failed(new Error(message)),
  });
  const clients = Array.from({ length: Math.ceil(n / PER_SOCKET) }, () =>
    createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true }),
  );
  const close = async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  };
  for (let i = 0; i < n; i++) {
    clients[Math.floor(i / PER_SOCKET)]!.subscribe<{ messageStatus: { status: string } }>(request, {
      next: (result) => tally(i, result),
      error: (e) =>
        failed(new Error(`subscriber ${i}: ${JSON.stringify(e instanceof Error ? e.message : e)}`)),
      complete: () => {},
    });
  }
  try {
    await Promise.race([open, broken]);
  } catch (error) {
    await close();
    throw error;
  }
  return { delivered: Promise.race([done, broken]), close };
}

export async function runSubscriptions(quick: boolean, rounds: number): Promise<Figure[]> {
  const sizes = quick ? [200] : [1000, 10_000];
  const figures: Figure[] = [];
  const lean = { lean: await startSubscriberPool(SUBSCRIBER_PROCESSES) };
  try {
    for (const n of sizes) figures.push(...(await measure(n, lean)));
  } finally {
    await lean.lean.stop();
  }
  return figures;

  async function measure(n: number, lean: { lean: SubscriberPool }): Promise<Figure[]> {
    const figures: Figure[] = [];
    const per: Round[] = [];
    const library: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      // A fresh server each round, so memory a previous round freed but kept (RSS) does not hide this
      // round's; a warm-up on one socket first, so the round does not pay for compiling the path.
      const server = await startServerChild('service');
      try {
        await subscriptionRound(server, 100, lean);
        per.push(await subscriptionRound(server, n, lean));
        // Second on the same server, so the memory figures above are the lean round's alone.
        library.push(await subscriptionRound(server, n, 'graphql-ws'));
      } finally {
        await server.stop();
      }
    }
    const label = `${n.toLocaleString('en-US')} on one message`;
    const fig = (what: string, unit: string, pick: (r: Round) => number, digits: number, rounds = per) =>
      figureOf('subscriptions', 'quote-queue', `${label}, ${what}`, unit, 'lower', rounds.map(pick), digits);
    figures.push(
      fig('change to delivery, p50', 'ms', (r) => r.p50, 2),
      fig('change to delivery, p99', 'ms', (r) => r.p99, 2),
      fig('cancelMessage round trip', 'ms', (r) => r.mutationMs, 2),
      fig('open all (first value to each)', 'ms', (r) => r.openMs, 0),
      fig('server RSS per subscriber', 'KB', (r) => r.rssKb, 2),
      fig('server heap per subscriber', 'KB', (r) => r.heapKb, 2),
      fig('change to delivery, p50, graphql-ws client library', 'ms', (r) => r.p50, 2, library),
      fig('change to delivery, p99, graphql-ws client library', 'ms', (r) => r.p99, 2, library),
    );
    return figures;
  }
}
