// The tracker counts every open stream (SSE and WebSocket alike) and ends them at shutdown: counted once,
// forgotten however it ends.
import { describe, expect, it } from 'vitest';
import { createSubscriptionTracker } from '../../src/server/subscriptions.js';

/** A stream: yields nothing, ends when told, fails when told, and records a return. */
function source() {
  let settle:
    | { resolve: (r: IteratorReturnResult<undefined>) => void; reject: (e: unknown) => void }
    | undefined;
  const state = { returned: false };
  const stream: AsyncIterableIterator<never> = {
    next: () => new Promise((resolve, reject) => (settle = { resolve, reject })),
    return: async () => {
      state.returned = true;
      settle?.resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return {
    stream,
    state,
    end: () => settle?.resolve({ done: true, value: undefined }),
    fail: (error: unknown) => settle?.reject(error),
  };
}

/** What yoga hands the tracker's plugin: the operation's own stream; the stream the transport then gets. */
function track(tracker: ReturnType<typeof createSubscriptionTracker>, own: ReturnType<typeof source>) {
  let result: unknown = own.stream;
  const hooks = (tracker.plugin.onSubscribe as (p: unknown) => { onSubscribeResult(p: unknown): void })({
    args: { contextValue: {} },
  });
  hooks.onSubscribeResult({
    result: own.stream,
    setResult: (r: unknown) => {
      result = r;
    },
  });
  return result as AsyncIterableIterator<unknown>;
}

describe('subscription tracker', () => {
  it('counts a stream once, and forgets it when it ends', async () => {
    const tracker = createSubscriptionTracker();
    const own = source();
    const stream = track(tracker, own);
    expect(stream).not.toBe(own.stream);
    expect(tracker.size).toBe(1);
    const next = stream.next();
    own.end();
    await expect(next).resolves.toEqual({ done: true, value: undefined });
    expect(tracker.size).toBe(0);
  });

  it('forgets a stream that fails, and passes the error on as it was', async () => {
    const tracker = createSubscriptionTracker();
    const own = source();
    const stream = track(tracker, own);
    const next = stream.next();
    const error = new Error('the log could not be read');
    own.fail(error);
    await expect(next).rejects.toBe(error);
    expect(tracker.size).toBe(0);
  });

  it('returns streams at shutdown (endAll), and a returned stream is forgotten', async () => {
    const tracker = createSubscriptionTracker();
    const streams = [source(), source()];
    for (const s of streams) track(tracker, s);
    expect(tracker.size).toBe(2);
    await tracker.endAll();
    expect(streams.map((s) => s.state.returned)).toEqual([true, true]);
    expect(tracker.size).toBe(0);
  });
});
