// The live layer's rules, with a scripted transport: versions once and in order, resume after the last
// one with afterVersion, no dispose from inside a stream's own callbacks, and the WS → SSE → poll ladder.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followMessage, type Versioned } from '../../web/src/live/follow-message.js';
import { LiveLink } from '../../web/src/live/link.js';
import type { StreamRequest, StreamSink, StreamTransport } from '../../web/src/live/types.js';

interface Stream {
  request: StreamRequest;
  sink: StreamSink;
  disposed: boolean;
}

/** A transport whose streams the test drives; records disposes made from inside a callback. */
function scriptedTransport() {
  const streams: Stream[] = [];
  let inCallback = false;
  const disposedInCallback: number[] = [];
  const transport: StreamTransport = {
    subscribe(request, sink) {
      const guarded: StreamSink = {
        next: (r) => call(() => sink.next(r)),
        error: (e) => call(() => sink.error(e)),
        complete: () => call(() => sink.complete()),
      };
      const stream: Stream = { request, sink: guarded, disposed: false };
      streams.push(stream);
      return () => {
        if (inCallback) disposedInCallback.push(streams.indexOf(stream));
        stream.disposed = true;
      };
    },
    dispose() {},
  };
  function call(fn: () => void) {
    inCallback = true;
    try {
      fn();
    } finally {
      inCallback = false;
    }
  }
  return { transport, streams, disposedInCallback };
}

const message = (version: number, status = 'PROCESSING'): Versioned => ({
  version,
  status,
  deadLettered: false,
  review: { state: 'NOT_REQUIRED' },
});
const next = (m: Versioned) => ({ data: { messageStatus: m } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(reachable = true) {
  const ws = scriptedTransport();
  const sse = scriptedTransport();
  const link = new LiveLink({
    transports: { ws: () => ws.transport, sse: () => sse.transport },
    reachable: async () => reachable,
    probeRequest: { query: 'subscription { queueStats { pendingCount } }', variables: {} },
  });
  const seen: number[] = [];
  const polls: number[] = [];
  const stop = followMessage<Versioned>({
    link,
    subscription: (afterVersion) => ({ query: 'FollowMessage', variables: { id: 'm1', afterVersion } }),
    fromData: (data) => (data as { messageStatus: Versioned }).messageStatus,
    poll: async (afterVersion) => {
      polls.push(afterVersion);
      return [message(afterVersion + 1, 'COMPLETED')];
    },
    onVersion: (m) => seen.push(m.version),
    onError: () => {},
  });
  return { ws, sse, link, seen, polls, stop };
}

describe('following a message', () => {
  it('applies each version once and resumes after the last one applied', async () => {
    const { ws, seen, stop } = setup();
    const first = ws.streams[0]!;
    expect(first.request.variables.afterVersion).toBeNull();
    first.sink.next(next(message(1, 'PENDING')));
    first.sink.next(next(message(2)));
    first.sink.error(new Error('socket closed'));
    await vi.advanceTimersByTimeAsync(20_000);

    const second = ws.streams[1]!;
    expect(second.request.variables.afterVersion).toBe(2);
    second.sink.next(next(message(2)));
    second.sink.next(next(message(3)));
    second.sink.next(next(message(4, 'COMPLETED')));
    second.sink.complete();
    await vi.advanceTimersByTimeAsync(20_000);

    expect(seen).toEqual([1, 2, 3, 4]);
    expect(ws.streams).toHaveLength(2);
    stop();
  });

  it('never disposes a stream from inside its callbacks, even when it ends and completes in one go', async () => {
    const { ws, stop } = setup();
    const stream = ws.streams[0]!;
    stream.sink.next(next(message(1)));
    stream.sink.next(next(message(2, 'COMPLETED')));
    stream.sink.complete();
    await vi.advanceTimersByTimeAsync(20_000);
    stop();
    expect(ws.disposedInCallback).toEqual([]);
    expect(ws.streams).toHaveLength(1);
  });

  it('stops on a GraphQL error such as NOT_FOUND, and retries a transient one', async () => {
    const { ws, stop } = setup();
    ws.streams[0]!.sink.error([{ message: 'busy', extensions: { code: 'RATE_LIMITED' } }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(ws.streams).toHaveLength(2);
    ws.streams[1]!.sink.error([{ message: 'gone', extensions: { code: 'NOT_FOUND' } }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ws.streams).toHaveLength(2);
    stop();
  });
});

describe('the transport ladder', () => {
  it('moves from WebSocket to SSE to polling when each fails to connect while HTTP works', async () => {
    const { ws, sse, link, seen, polls, stop } = setup();
    ws.streams[0]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(link.mode).toBe('ws');
    ws.streams[1]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(100);
    expect(link.mode).toBe('sse');
    expect(sse.streams).toHaveLength(1);

    sse.streams[0]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(20_000);
    sse.streams[1]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(100);
    expect(link.mode).toBe('poll');
    expect(polls).toEqual([0]);
    expect(seen).toEqual([1]);
    stop();
    link.dispose();
  });

  it('stays put, offline, when the service does not answer at all', async () => {
    const { ws, link, stop } = setup(false);
    ws.streams[0]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(20_000);
    ws.streams[1]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(100);
    expect(link.snapshot).toEqual({ mode: 'ws', online: false });
    stop();
    link.dispose();
  });

  it('returns to WebSocket when a probe gets through', async () => {
    const { ws, link, stop } = setup();
    ws.streams[0]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(20_000);
    ws.streams[1]!.sink.error(new Error('refused'));
    await vi.advanceTimersByTimeAsync(100);
    expect(link.mode).toBe('sse');
    await vi.advanceTimersByTimeAsync(30_000);
    const probe = ws.streams.at(-1)!;
    expect(probe.request.query).toContain('queueStats');
    probe.sink.next({ data: { queueStats: { pendingCount: 0 } } });
    await vi.advanceTimersByTimeAsync(100);
    expect(link.mode).toBe('ws');
    stop();
    link.dispose();
  });
});

describe('guardedSubscribe (the graphql-ws 6.4 workaround)', () => {
  it('defers a dispose made inside next past the read, so the library sees the complete first', async () => {
    const { guardedSubscribe } = await import('../../web/src/live/deferred-dispose.js');
    let librarySink: StreamSink | undefined;
    let libraryDisposes = 0;
    const values: unknown[] = [];
    let dispose: () => void = () => {};
    dispose = guardedSubscribe(
      (sink) => {
        librarySink = sink;
        return () => {
          libraryDisposes++;
        };
      },
      {
        next: (r) => {
          values.push(r.data);
          dispose();
        },
        error: () => {},
        complete: () => {},
      },
    );
    // One socket read: the last `next` and the server's `complete`, back to back.
    librarySink!.next({ data: 1 });
    librarySink!.next({ data: 2 });
    librarySink!.complete();
    expect(libraryDisposes).toBe(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(values).toEqual([1]);
    expect(libraryDisposes).toBe(1);
  });
});
