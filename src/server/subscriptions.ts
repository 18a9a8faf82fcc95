// Keeps a handle on every open subscription stream (WebSocket and SSE alike): counted for /metrics and
// leak checks, capped per key (one key cannot hold the server's memory with streams), and ended cleanly at
// shutdown so clients see their streams complete.

import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import { codedError } from '../schema/errors.js';

export interface SubscriptionTracker {
  readonly size: number;
  /** Ends every open stream (each client gets a completion). */
  endAll(): Promise<void>;
  plugin: Plugin;
}

type Stream = AsyncIterableIterator<ExecutionResult>;

export interface SubscriptionTrackerOptions {
  /** Subscriptions one key (actor) may hold open at once, over every transport; more are refused. Default: none. */
  maxPerKey?: number;
}

export function createSubscriptionTracker(options: SubscriptionTrackerOptions = {}): SubscriptionTracker {
  const { maxPerKey } = options;
  const open = new Set<AsyncIterableIterator<unknown>>();
  /** Open streams and reserved starts per key; a slot is taken before the subscription starts, so the cap is exact. */
  const perKey = new Map<string, number>();
  const keyOf = new Map<AsyncIterableIterator<unknown>, string>();
  const release = (key: string) => {
    const left = (perKey.get(key) ?? 1) - 1;
    if (left > 0) perKey.set(key, left);
    else perKey.delete(key);
  };
  /** Forgets an ended stream (idempotent): `open` and its key's slot. */
  const end = (stream: AsyncIterableIterator<unknown>) => {
    if (!open.delete(stream)) return;
    const key = keyOf.get(stream);
    keyOf.delete(stream);
    if (key !== undefined) release(key);
  };

  function track(source: AsyncIterable<ExecutionResult>, key: string | undefined): Stream {
    const stream = new TrackedStream(source[Symbol.asyncIterator](), end);
    open.add(stream);
    if (key !== undefined) keyOf.set(stream, key);
    return stream;
  }

  return {
    get size() {
      return open.size;
    },
    async endAll() {
      await Promise.allSettled([...open].map((stream) => stream.return?.()));
    },
    plugin: {
      onSubscribe({ args, setResultAndStopExecution, subscribeFn, setSubscribeFn }) {
        const key =
          maxPerKey === undefined ? undefined : (args.contextValue as Partial<GraphQLContext>).actor?.id;
        if (key !== undefined) {
          const held = perKey.get(key) ?? 0;
          if (held >= (maxPerKey ?? 0)) {
            setResultAndStopExecution({
              errors: [
                codedError(
                  `At most ${maxPerKey} subscriptions may be open at once for one key (WebSocket and SSE together); end one first`,
                  'RATE_LIMITED',
                ),
              ],
            });
            return;
          }
          perKey.set(key, held + 1);
          // A start that throws never reaches onSubscribeResult: its slot is given back here.
          setSubscribeFn(async (subscribeArgs) => {
            try {
              return await subscribeFn(subscribeArgs);
            } catch (error) {
              release(key);
              throw error;
            }
          });
        }
        return {
          onSubscribeResult({ result, setResult }) {
            if (!isAsyncIterable(result)) {
              if (key !== undefined) release(key);
              return;
            }
            setResult(track(result, key));
          },
        };
      },
    },
  };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * An operation's stream that tells the tracker when it ends, however it ends. A class with no async functions:
 * a stream waits in `next` for most of its life, and closures or a suspended async function per stream would
 * be held all along.
 */
class TrackedStream implements Stream {
  constructor(
    private readonly inner: AsyncIterator<ExecutionResult>,
    private readonly ended: (stream: TrackedStream) => void,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.inner.next().then(
      (result) => {
        if (result.done) this.ended(this);
        return result;
      },
      (error: unknown) => {
        this.ended(this);
        throw error;
      },
    );
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.ended(this);
    return this.inner.return?.() ?? Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.ended(this);
    return this.inner.throw?.(error) ?? Promise.reject(error);
  }

  [Symbol.asyncIterator](): Stream {
    return this;
  }
}
