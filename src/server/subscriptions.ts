// Keeps a handle on every open subscription stream (WebSocket and SSE alike): counted for /metrics and
// leak checks, and ended cleanly at shutdown so clients see their streams complete.

import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

export interface SubscriptionTracker {
  readonly size: number;
  /** Ends every open stream (each client gets a completion). */
  endAll(): Promise<void>;
  plugin: Plugin;
}

type Stream = AsyncIterableIterator<ExecutionResult>;

export function createSubscriptionTracker(): SubscriptionTracker {
  const open = new Set<Stream>();

  function track(source: AsyncIterable<ExecutionResult>): Stream {
    const inner = source[Symbol.asyncIterator]();
    const done = { done: true as const, value: undefined };
    const stream: Stream = {
      async next() {
        const result = await inner.next();
        if (result.done) open.delete(stream);
        return result;
      },
      async return() {
        open.delete(stream);
        return (await inner.return?.()) ?? done;
      },
      async throw(error: unknown) {
        open.delete(stream);
        if (inner.throw) return inner.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]() {
        return stream;
      },
    };
    open.add(stream);
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
      onSubscribe() {
        return {
          onSubscribeResult({ result, setResult }) {
            if (isAsyncIterable(result)) setResult(track(result));
          },
        };
      },
    },
  };
}
