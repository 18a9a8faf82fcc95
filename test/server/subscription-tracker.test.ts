// The tracker counts every open stream and ends them at shutdown, including a stream handed to the transport
// in place of yoga's (`direct`, the WebSocket fan-out's): counted once, forgotten however it ends.
import { describe, expect, it } from 'vitest';
import { createSubscriptionTracker } from '../../src/server/subscriptions.js';

/** A stream like the fan-out's: yields nothing, ends when told, fails when told, and records a return. */
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

/** What yoga hands the tracker's plugin: the operation's own stream, for its context. */
function trackOwn(tracker: ReturnType<typeof createSubscriptionTracker>, context: object) {
  const own = source();
  let result: unknown = own.stream;
  const hooks = (tracker.plugin.onSubscribe as (p: unknown) => { onSubscribeResult(p: unknown): void })({
    args: { contextValue: context },
  });
  hooks.onSubscribeResult({
    args: { contextValue: context },
    result: own.stream,
    setResult: (r: unknown) => {
      result = r;
    },
  });
  return result as AsyncIterableIterator<unknown>;
}

describe('subscription tracker, direct streams', () => {
  it('counts a direct stream in place of the operation’s own, once, and forgets it when it ends', async () => {
    const tracker = createSubscriptionTracker();
    const context = {};
    trackOwn(tracker, context);
    expect(tracker.size).toBe(1);
    const fanout = source();
    const direct = tracker.direct(context, fanout.stream);
    expect(tracker.size).toBe(1);
    const next = direct.next();
    fanout.end();
    await expect(next).resolves.toEqual({ done: true, value: undefined });
    expect(tracker.size).toBe(0);
  });

  it('forgets a direct stream that fails, and passes the error on as it was', async () => {
    const tracker = createSubscriptionTracker();
    const context = {};
    trackOwn(tracker, context);
    const fanout = source();
    const direct = tracker.direct(context, fanout.stream);
    const next = direct.next();
    const error = new Error('the log could not be read');
    fanout.fail(error);
    await expect(next).rejects.toBe(error);
    expect(tracker.size).toBe(0);
  });

  it('returns direct streams at shutdown (endAll), and a returned stream is forgotten', async () => {
    const tracker = createSubscriptionTracker();
    const streams = [source(), source()];
    for (const s of streams) {
      const context = {};
      trackOwn(tracker, context);
      tracker.direct(context, s.stream);
    }
    expect(tracker.size).toBe(2);
    await tracker.endAll();
    expect(streams.map((s) => s.state.returned)).toEqual([true, true]);
    expect(tracker.size).toBe(0);
  });
});
