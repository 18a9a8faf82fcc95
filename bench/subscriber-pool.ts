// The lean subscribers of workload 6, spread over a few processes of their own (bench/subscriber-child.ts).
// One process receiving 10,000 subscribers' frames queues them behind each other, and the figure then measures
// that process rather than the server; real subscribers sit on many machines. The processes share this
// machine's cores with the server, so the spread is still a conservative stand-in for that.
//
// Times cross processes as epoch milliseconds with a fraction (performance.timeOrigin + performance.now()):
// every process reads the same system clock, so differences between them are good to well under a millisecond.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ToSubscriber =
  | {
      type: 'open';
      wsUrl: string;
      first: number;
      count: number;
      request: { query: string; variables: Record<string, unknown> };
      /** The status whose arrival is timed. */
      until: string;
    }
  /**
   * The followers workload: subscription `first + i` follows `ids[i]` with `query` (variables `{ id }`), and
   * every `next` is recorded (`arrivals`); `opened` once each has its first value, `arrived` once each has a value
   * with status `until`. With `ids` empty, `count` subscriptions of `query` without variables (queueStats),
   * only counted.
   */
  | {
      type: 'follow';
      wsUrl: string;
      first: number;
      count: number;
      ids: string[];
      query: string;
      until: string;
      /** Subscriptions per socket (default 100, the server's cap); 1: a socket each, as browsers follow. */
      perSocket?: number;
    }
  | { type: 'close' };

export type FromSubscriber =
  | { type: 'ready' }
  | { type: 'opened' }
  | { type: 'delivered'; first: number; at: number[] }
  | { type: 'closed' }
  /**
   * Flat triples per `next` of a follower: subscription number, version, epoch ms; `frames` counts every `next`
   * (queueStats too); `elu`: this process's event-loop utilisation from `opened` to the last arrival.
   */
  | { type: 'arrived'; first: number; arrivals: number[]; frames: number; elu: number }
  | { type: 'failed'; message: string };

/** Now, as epoch milliseconds with a fraction: comparable across this machine's processes. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export interface SubscriberPool {
  readonly processes: number;
  /**
   * Opens `n` subscriptions of `request` spread over the processes (numbered 0 .. n-1); resolves once each has
   * its first value. `delivered` then resolves with when each got a value with status `until`.
   */
  open(
    wsUrl: string,
    n: number,
    request: { query: string; variables: Record<string, unknown> },
    until: string,
  ): Promise<{ delivered: Promise<Float64Array>; close(): Promise<void> }>;
  /**
   * The followers workload: subscription `i` follows `ids[i]`, spread over the processes; resolves once each has
   * its first value. `arrived` then resolves once each got a value with status `until`.
   */
  follow(
    wsUrl: string,
    ids: string[],
    query: string,
    until: string,
    perSocket?: number,
  ): Promise<{ arrived: Promise<Arrivals>; close(): Promise<void> }>;
  /** `count` subscriptions of `query` (no variables) spread over the processes; resolves once each has a value. */
  watch(wsUrl: string, count: number, query: string): Promise<void>;
  stop(): Promise<void>;
}

/** Every `next` of the followers, as flat triples (subscription, version, epoch ms), and what the pool saw. */
export interface Arrivals {
  arrivals: number[];
  /** `next` frames of the watch subscriptions (queueStats) up to the last follower's arrival. */
  watchFrames: number;
  /** Each subscriber process's event-loop utilisation while the followers' values arrived (0..1). */
  elu: number[];
}

export async function startSubscriberPool(processes: number): Promise<SubscriberPool> {
  const children: ChildProcess[] = Array.from({ length: processes }, () =>
    fork(fileURLToPath(new URL('./subscriber-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const next = (child: ChildProcess, type: FromSubscriber['type']) =>
    new Promise<FromSubscriber>((resolve, reject) => {
      const onMessage = (m: FromSubscriber) => {
        if (m.type === 'failed') done(() => reject(new Error(`subscriber process: ${m.message}`)));
        else if (m.type === type) done(() => resolve(m));
      };
      const onExit = (code: number | null) =>
        done(() => reject(new Error(`subscriber process exited (${code}) while waiting for ${type}`)));
      const done = (settle: () => void) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        settle();
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  await Promise.all(children.map((c) => next(c, 'ready')));
  /** Closes the sockets every process opened for the round. */
  const close = async () => {
    await Promise.all(
      children.map((child) => {
        const closed = next(child, 'closed');
        child.send({ type: 'close' } satisfies ToSubscriber);
        return closed;
      }),
    );
  };
  return {
    processes,
    async open(wsUrl, n, request, until) {
      const per = Math.ceil(n / processes);
      const parts = children
        .map((child, i) => ({ child, first: i * per, count: Math.max(0, Math.min(per, n - i * per)) }))
        .filter((p) => p.count > 0);
      const delivered = parts.map(({ child, first, count }) => {
        const opened = next(child, 'opened');
        const all = next(child, 'delivered');
        child.send({ type: 'open', wsUrl, first, count, request, until } satisfies ToSubscriber);
        return { opened, all };
      });
      // A failure while opening rejects here; one while waiting for the change, through `delivered`.
      for (const d of delivered) d.all.catch(() => {});
      try {
        await Promise.all(delivered.map((d) => d.opened));
      } catch (error) {
        await close();
        throw error;
      }
      return {
        close,
        delivered: Promise.all(delivered.map((d) => d.all)).then((answers) => {
          const at = new Float64Array(n).fill(Number.NaN);
          for (const a of answers) {
            if (a.type === 'delivered') at.set(a.at, a.first);
          }
          return at;
        }),
      };
    },
    async follow(wsUrl, ids, query, until, perSocket) {
      const per = Math.ceil(ids.length / processes);
      const parts = children
        .map((child, i) => ({ child, first: i * per, ids: ids.slice(i * per, (i + 1) * per) }))
        .filter((p) => p.ids.length > 0);
      const waits = parts.map(({ child, first, ids }) => {
        const opened = next(child, 'opened');
        const arrived = next(child, 'arrived');
        arrived.catch(() => {});
        child.send({
          type: 'follow',
          wsUrl,
          first,
          count: ids.length,
          ids,
          query,
          until,
          perSocket,
        } satisfies ToSubscriber);
        return { opened, arrived };
      });
      try {
        await Promise.all(waits.map((w) => w.opened));
      } catch (error) {
        await close();
        throw error;
      }
      return {
        close,
        arrived: Promise.all(waits.map((w) => w.arrived)).then((answers) => {
          const out: Arrivals = { arrivals: [], watchFrames: 0, elu: [] };
          for (const a of answers) {
            if (a.type !== 'arrived') continue;
            for (const x of a.arrivals) out.arrivals.push(x);
            out.watchFrames += a.frames;
            out.elu.push(a.elu);
          }
          return out;
        }),
      };
    },
    async watch(wsUrl, count, query) {
      const per = Math.ceil(count / processes);
      // Numbered apart from the followers' subscriptions (their ids only need to be unique per socket).
      await Promise.all(
        children.map((child, i) => {
          const n = Math.max(0, Math.min(per, count - i * per));
          if (n === 0) return undefined;
          const opened = next(child, 'opened');
          child.send({
            type: 'follow',
            wsUrl,
            first: 1_000_000 + i * per,
            count: n,
            ids: [],
            query,
            until: '',
          } satisfies ToSubscriber);
          return opened;
        }),
      );
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.disconnect();
            }),
        ),
      );
    },
  };
}

/** What a tally reports: every subscriber has its first value, every one got `until` (when, each), or one failed. */
export interface TallyEvents {
  opened(): void;
  delivered(at: Float64Array): void;
  failed(message: string): void;
}

/**
 * Counts `count` subscribers' values (numbered 0 .. count-1), for the lean subscribers and graphql-ws's client
 * alike: each one's first value opens it, and the first value with status `until` is timed (epoch ms).
 */
export function createDeliveryTally(
  count: number,
  until: string,
  on: TallyEvents,
): (index: number, result: { data?: unknown; errors?: unknown }) => void {
  const at = new Float64Array(count).fill(Number.NaN);
  const seen = new Uint8Array(count);
  let opened = 0;
  let delivered = 0;
  let failed = false;
  return (index, result) => {
    const status = (result.data as { messageStatus?: { status?: string } } | undefined)?.messageStatus
      ?.status;
    if (!status || result.errors) {
      if (!failed) on.failed(`subscriber ${index}: ${JSON.stringify(result)}`);
      failed = true;
      return;
    }
    if (seen[index] === 0) {
      seen[index] = 1;
      if (++opened === count) on.opened();
    }
    if (status === until && Number.isNaN(at[index]!)) {
      at[index] = epochNow();
      if (++delivered === count) on.delivered(at);
    }
  };
}
