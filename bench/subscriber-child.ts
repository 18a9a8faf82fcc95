// One process of bench/subscriber-pool.ts: lean subscribers (bench/lean-ws-client.ts) on sockets of 100
// subscriptions, told over IPC what to open; reports when each has its first value and when each got the
// timed status. Exits when its parent disconnects.
import { performance } from 'node:perf_hooks';
import { openLeanSocket } from './lean-ws-client.js';
import { createDeliveryTally, type FromSubscriber, type ToSubscriber } from './subscriber-pool.js';

const PER_SOCKET = 100;
const send = (m: FromSubscriber) => process.send?.(m);

let sockets: { close(): Promise<void> }[] = [];

process.on('message', async (m: ToSubscriber) => {
  try {
    if (m.type === 'open') await open(m);
    else if (m.type === 'follow') await follow(m);
    else if (m.type === 'close') {
      const closing = sockets;
      sockets = [];
      await Promise.all(closing.map((s) => s.close()));
      send({ type: 'closed' });
    }
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });

async function open(m: Extract<ToSubscriber, { type: 'open' }>): Promise<void> {
  const { first, count } = m;
  let failed = false;
  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    send({ type: 'failed', message });
  };
  const tally = createDeliveryTally(count, m.until, {
    opened: () => send({ type: 'opened' }),
    delivered: (at) => send({ type: 'delivered', first, at: Array.from(at) }),
    failed: fail,
  });
  const next = (index: number, result: { data?: unknown; errors?: unknown }) => tally(index - first, result);
  const error = (index: number, e: unknown) =>
    fail(`subscriber ${index}: ${JSON.stringify(e instanceof Error ? e.message : e)}`);
  const opening: Promise<void>[] = [];
  for (let s = first; s < first + count; s += PER_SOCKET) {
    opening.push(
      openLeanSocket(m.wsUrl, s, Math.min(PER_SOCKET, first + count - s), m.request, { next, error }).then(
        (socket) => {
          sockets.push(socket);
        },
      ),
    );
  }
  await Promise.all(opening);
}

/** `next` frames of queueStats subscriptions since they opened (followers' `arrived` reports them). */
let watchFrames = 0;

async function follow(m: Extract<ToSubscriber, { type: 'follow' }>): Promise<void> {
  const { first, count, ids } = m;
  const watching = ids.length === 0;
  if (watching) watchFrames = 0;
  const seen = new Uint8Array(count);
  const done = new Uint8Array(count);
  let opened = 0;
  let finished = 0;
  let failed = false;
  let elu0 = performance.eventLoopUtilization();
  const arrivals: number[] = [];
  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    send({ type: 'failed', message });
  };
  const next = (index: number, result: { data?: unknown; errors?: unknown }) => {
    const at = performance.timeOrigin + performance.now();
    const i = index - first;
    if (result.errors || !result.data) return fail(`subscriber ${index}: ${JSON.stringify(result)}`);
    if (seen[i] === 0) {
      seen[i] = 1;
      if (++opened === count) {
        elu0 = performance.eventLoopUtilization();
        send({ type: 'opened' });
      }
    }
    if (watching) {
      watchFrames++;
      return;
    }
    const message = (result.data as { messageStatus: { status: string; version: number } }).messageStatus;
    arrivals.push(index, message.version, at);
    if (message.status === m.until && done[i] === 0) {
      done[i] = 1;
      if (++finished === count) {
        const elu = performance.eventLoopUtilization(elu0).utilization;
        send({ type: 'arrived', first, arrivals, frames: watchFrames, elu });
      }
    }
  };
  const error = (index: number, e: unknown) =>
    fail(`subscriber ${index}: ${JSON.stringify(e instanceof Error ? e.message : e)}`);
  const request = (index: number) => ({
    query: m.query,
    variables: watching ? {} : { id: ids[index - first] },
  });
  const opening: Promise<void>[] = [];
  const perSocket = m.perSocket ?? PER_SOCKET;
  for (let s = first; s < first + count; s += perSocket) {
    const n = Math.min(perSocket, first + count - s);
    opening.push(
      openLeanSocket(m.wsUrl, s, n, request, { next, error }).then((socket) => {
        sockets.push(socket);
      }),
    );
  }
  await Promise.all(opening);
}
