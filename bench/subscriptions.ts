// Workload 6, subscriptions: N graphql-ws subscribers of `messageStatus` on one server process, all on the
// same message (the widest fan-out: one change goes to every subscriber). The server is the real service
// in its own child process (bench/servers/child.ts); the subscribers are graphql-ws clients in this process,
// 100 subscriptions multiplexed on each WebSocket (the server's cap per socket), so N / 100 sockets.
// The subscribers are lean graphql-transport-ws clients (bench/lean-ws-client.ts) for the figures the target
// is about, and, on the same server right after, graphql-ws's own client library for comparison: with
// 10,000 of those in one process, their per-frame work queues up on the client side.
//
// Each round: submit a message; open the sockets and subscriptions and wait until every subscriber has its
// first value (PENDING); cancel the message over HTTP and time, for each subscriber, from just before the
// cancelMessage request is sent to the moment its CANCELLED value is handed to it (so the mutation's own
// round trip and commit are counted, an upper bound on the publish-to-delivery delay); p50 and p99 over
// the subscribers. Memory per subscriber: the child's RSS and V8 heap after a full GC, with every
// subscription open, less the same before the sockets opened, over N (so a socket's share is included).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Figure } from './figures.js';
import { figureOf } from './figures.js';
import { openLeanSocket } from './lean-ws-client.js';
import { post } from './post.js';
import { startServerChild } from './servers/child.js';
import { percentile } from './stats.js';

const PER_SOCKET = 100;
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

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`subscriptions: ${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export type SubscriberClient = 'lean' | 'graphql-ws';

export async function subscriptionRound(
  server: Awaited<ReturnType<typeof startServerChild>>,
  n: number,
  client: SubscriberClient = 'lean',
): Promise<Round> {
  const submitted = await post(server.url, SUBMIT);
  const id = (submitted.submitQuote as { messageId: string }).messageId;
  const before = await server.memory();

  const sockets = Math.ceil(n / PER_SOCKET);
  const took = new Float64Array(n).fill(Number.NaN);
  const seen = new Uint8Array(n);
  let sentAt = 0;
  let opened = 0;
  let delivered = 0;
  let allOpen!: () => void;
  let allDelivered!: () => void;
  let failed!: (e: unknown) => void;
  const open = new Promise<void>((resolve) => {
    allOpen = resolve;
  });
  const done = new Promise<void>((resolve) => {
    allDelivered = resolve;
  });
  const broken = new Promise<never>((_, reject) => {
    failed = reject;
  });
  broken.catch(() => {});
  const next = (i: number, result: { data?: unknown; errors?: unknown }) => {
    const status = (result.data as { messageStatus?: { status?: string } } | undefined)?.messageStatus
      ?.status;
    if (!status || result.errors) return failed(new Error(`subscriber ${i}: ${JSON.stringify(result)}`));
    if (seen[i] === 0) {
      seen[i] = 1;
      if (++opened === n) allOpen();
    }
    if (status === 'CANCELLED' && Number.isNaN(took[i]!)) {
      took[i] = performance.now() - sentAt;
      if (++delivered === n) allDelivered();
    }
  };
  const error = (i: number, e: unknown) =>
    failed(new Error(`subscriber ${i}: ${JSON.stringify(e instanceof Error ? e.message : e)}`));
  const request = { query: FOLLOW, variables: { id } };
  const closers: Array<() => Promise<void> | void> = [];
  try {
    const t0 = performance.now();
    if (client === 'lean') {
      const opening = Array.from({ length: sockets }, (_, s) =>
        openLeanSocket(server.wsUrl, s * PER_SOCKET, Math.min(PER_SOCKET, n - s * PER_SOCKET), request, {
          next,
          error,
        }).then((socket) => closers.push(() => socket.close())),
      );
      await deadline(Promise.race([Promise.all(opening), broken]), 120_000, `connecting ${sockets} sockets`);
    } else {
      const clients = Array.from({ length: sockets }, () =>
        createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true }),
      );
      for (const c of clients) closers.push(() => c.dispose());
      for (let i = 0; i < n; i++) {
        clients[Math.floor(i / PER_SOCKET)]!.subscribe<{ messageStatus: { status: string } }>(request, {
          next: (result) => next(i, result),
          error: (e) => error(i, e),
          complete: () => {},
        });
      }
    }
    await deadline(Promise.race([open, broken]), 120_000, `opening ${n}`);
    const openMs = performance.now() - t0;
    const after = await server.memory();

    sentAt = performance.now();
    await post(server.url, CANCEL, { id });
    const mutationMs = performance.now() - sentAt;
    await deadline(Promise.race([done, broken]), 60_000, `delivering to ${n}`);
    const times = Array.from(took);
    return {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      openMs,
      mutationMs,
      rssKb: (after.rss - before.rss) / 1024 / n,
      heapKb: (after.heapUsed - before.heapUsed) / 1024 / n,
    };
  } finally {
    await Promise.all(closers.map((close) => close()));
  }
}

export async function runSubscriptions(quick: boolean, rounds: number): Promise<Figure[]> {
  const sizes = quick ? [200] : [1000, 10_000];
  const figures: Figure[] = [];
  for (const n of sizes) {
    const per: Round[] = [];
    const library: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      // A fresh server each round, so memory a previous round freed but kept (RSS) does not hide this
      // round's; a warm-up on one socket first, so the round does not pay for compiling the path.
      const server = await startServerChild('service');
      try {
        await subscriptionRound(server, 100);
        per.push(await subscriptionRound(server, n, 'lean'));
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
  }
  return figures;
}
