// Workload 7, followers: how the service is used live. N quotes stored at once with the worker paused; N
// lean graphql-ws subscribers (bench/lean-ws-client.ts, 100 subscriptions per socket, spread over
// SUBSCRIBER_PROCESSES processes of their own), each following its own quote with `messageStatus`, and N / 10
// `queueStats` subscribers; then the worker (WORKER_CONCURRENCY=10, the quote processor) drains every quote
// while the subscribers receive each change. The server is the real service in its own child process
// (bench/servers/follow-service.ts).
//
// Delivery: for every value a follower receives, from the moment the server published that change after its
// commit (recorded in the server process) to the moment the subscriber process parsed the frame, as epoch
// milliseconds on the same machine's clock; p50 and p99 over every value of every follower. Heap per subscriber:
// the server's V8 heap after a full GC with every subscription open, less the same before the sockets opened
// (after a warm-up of 110 subscriptions opened and closed), over all subscribers (followers and queueStats).
// The subscriber processes report their event-loop utilisation while the values arrived, so a saturated client
// shows in the figures instead of passing for the server's delay.
import type { Figure } from './figures.js';
import { figureOf } from './figures.js';
import { startServerChild } from './servers/child.js';
import { percentile } from './stats.js';
import { startSubscriberPool } from './subscriber-pool.js';

const SUBSCRIBER_PROCESSES = 2;
export const FOLLOW =
  'subscription Follow($id: ID!) { messageStatus(id: $id) { id status version review { state } result { decision } } }';
const STATS = 'subscription { queueStats { pendingCount processingCount completedCount failedCount } }';

interface Round {
  p50: number;
  p99: number;
  max: number;
  values: number;
  drainSeconds: number;
  heapKb: number;
  rssKb: number;
  watchFrames: number;
  clientElu: number;
}

/** One round on a fresh server. */
export async function followRound(n: number): Promise<Round> {
  const pool = await startSubscriberPool(SUBSCRIBER_PROCESSES);
  const server = await startServerChild('follow-service');
  try {
    const ids = await server.followSeed(n);
    // A warm-up on one socket of each kind first, so the round does not pay for compiling the path (as
    // workload 6 does): its heap figure is the subscriptions', not the code's.
    await pool.watch(server.wsUrl, 10, STATS);
    const warm = await pool.follow(server.wsUrl, ids.slice(0, 100), FOLLOW, 'COMPLETED');
    await warm.close();
    const before = await server.memory();
    await pool.watch(server.wsUrl, Math.ceil(n / 10), STATS);
    const following = await pool.follow(server.wsUrl, ids, FOLLOW, 'COMPLETED');
    try {
      const after = await server.memory();
      const { seconds, commits } = await server.followGo();
      const { arrivals, watchFrames, elu } = await following.arrived;
      const times = commitToDelivery(commits, arrivals);
      if (times.length < n) throw new Error(`followers: ${times.length} timed values for ${n} quotes`);
      const subscribers = n + Math.ceil(n / 10);
      return {
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        max: Math.max(...times),
        values: times.length,
        drainSeconds: seconds,
        heapKb: (after.heapUsed - before.heapUsed) / 1024 / subscribers,
        rssKb: (after.rss - before.rss) / 1024 / subscribers,
        watchFrames,
        clientElu: Math.max(...elu),
      };
    } finally {
      await following.close();
    }
  } finally {
    await server.stop();
    await pool.stop();
  }
}

/**
 * Milliseconds from each change's publication after its commit (`commits`: message index, version, epoch ms) to
 * its arrival at a follower (`arrivals`: subscription number, version, epoch ms; subscription i follows message i).
 */
export function commitToDelivery(commits: number[], arrivals: number[]): number[] {
  const committed = new Map<number, number>();
  for (let i = 0; i < commits.length; i += 3)
    committed.set(commits[i]! * 1000 + commits[i + 1]!, commits[i + 2]!);
  const times: number[] = [];
  for (let i = 0; i < arrivals.length; i += 3) {
    const at = committed.get(arrivals[i]! * 1000 + arrivals[i + 1]!);
    // The first value of each (PENDING, before the drain) has no timed change.
    if (at !== undefined) times.push(arrivals[i + 2]! - at);
  }
  return times;
}

export async function runFollowers(quick: boolean, rounds: number): Promise<Figure[]> {
  const n = quick ? 200 : 10_000;
  const per: Round[] = [];
  for (let r = 0; r < rounds; r++) per.push(await followRound(n));
  const label = `${n.toLocaleString('en-US')} each on its own quote while the worker drains them, ${(n / 10).toLocaleString('en-US')} on queueStats`;
  const fig = (what: string, unit: string, pick: (r: Round) => number, digits: number) =>
    figureOf('followers', 'quote-queue', `${label}, ${what}`, unit, 'lower', per.map(pick), digits);
  return [
    fig('commit to delivery, p50', 'ms', (r) => r.p50, 2),
    fig('commit to delivery, p99', 'ms', (r) => r.p99, 2),
    fig('server heap per subscriber', 'KB', (r) => r.heapKb, 2),
    fig('server RSS per subscriber', 'KB', (r) => r.rssKb, 2),
    fig('drain', 's', (r) => r.drainSeconds, 2),
    fig("busiest subscriber process's event-loop utilisation", 'x', (r) => r.clientElu, 2),
  ];
}
