// Wraps a library subscription so that disposing it is always safe.
//
// Why: with the graphql-ws 6.4 client, disposing a subscription inside its own `next` callback while the
// server's `complete` for it arrives in the same socket read releases the shared socket's lock twice, and
// the socket closes under every other live subscription. So: the sink is silenced at once, the library's
// dispose runs on a later task (by then a `complete` in the same read has been handled and makes it a
// no-op), and nothing is disposed after the stream ended by itself.
import type { StreamRequest, StreamResult, StreamSink, StreamTransport } from './types.js';

export function guardedSubscribe(start: (sink: StreamSink) => () => void, sink: StreamSink): () => void {
  let finished = false;
  const dispose = start({
    next: (result) => {
      if (!finished) sink.next(result);
    },
    error: (error) => {
      if (finished) return;
      finished = true;
      sink.error(error);
    },
    complete: () => {
      if (finished) return;
      finished = true;
      sink.complete();
    },
  });
  return () => {
    if (finished) return;
    finished = true;
    setTimeout(dispose, 0);
  };
}

/** A library client with graphql-ws's and graphql-sse's `subscribe` (an operation and a sink; gives a dispose). */
interface SubscribingClient {
  subscribe(
    request: StreamRequest,
    sink: { next(value: StreamResult): void; error(error: unknown): void; complete(): void },
  ): () => void;
  dispose(): unknown;
}

/** The client as a transport whose every stream is guarded as above. */
export function guardedTransport(client: SubscribingClient): StreamTransport {
  return {
    subscribe: (request, sink) =>
      guardedSubscribe(
        (guarded) =>
          client.subscribe(request, {
            next: (value) => guarded.next(value),
            error: (error) => guarded.error(error),
            complete: () => guarded.complete(),
          }),
        sink,
      ),
    dispose: () => void client.dispose(),
  };
}
