// The spans around the queue's work, given to the service (each enqueue) and the worker (each attempt) by the
// runtime when tracing is on: an enqueue keeps its traceparent with the messages before they are stored, so an
// attempt in any process starts its span under it, in the caller's trace.
import type { Context } from '@opentelemetry/api';
import type { Message } from '../queue/types.js';
import type { TraceStore } from './store.js';
import { contextOf, currentTraceparent, inPassedSpan, inSpan } from './trace.js';

/** Wraps one enqueue (of `ids`) in an `enqueue` span and keeps that span's traceparent for each message. */
export function traceEnqueue(traces: TraceStore, clock: () => Date) {
  return <T>(ids: string[], priority: string, enqueue: () => Promise<T>): Promise<T> =>
    inSpan(
      'enqueue',
      {
        'quote_queue.message.id': ids[0],
        'quote_queue.message.count': ids.length,
        'quote_queue.priority': priority,
      },
      async () => {
        const traceparent = currentTraceparent();
        if (traceparent) await traces.save(ids, traceparent, clock());
        return enqueue();
      },
    );
}

/**
 * Wraps one processing attempt in an `attempt` span under the traceparent its message was submitted with. The
 * span is not made active: its context goes to `work`, which hands it to the processor (ProcessContext.trace).
 * The attempt's trace id stays readable (`traceIdOf`, once) for the line logged when the attempt ends, which is
 * written after the span.
 */
export function traceAttempt(traces: TraceStore) {
  const traceIds = new Map<string, string>();
  const traceparentOf = batchedReads(traces);
  const around = async <T>(message: Message, work: (trace: Context) => Promise<T>): Promise<T> => {
    const parent = contextOf(await traceparentOf(message.id));
    return inPassedSpan(
      'attempt',
      {
        'quote_queue.message.id': message.id,
        'quote_queue.priority': message.priority,
        'quote_queue.attempt': message.attempts,
      },
      parent,
      async (span, trace) => {
        traceIds.set(message.id, span.spanContext().traceId);
        try {
          const result = await work(trace);
          span.setAttribute('quote_queue.outcome', 'COMPLETED');
          return result;
        } catch (error) {
          span.setAttribute('quote_queue.outcome', 'FAILED');
          throw error;
        }
      },
    );
  };
  const traceIdOf = (messageId: string): string | undefined => {
    const id = traceIds.get(messageId);
    traceIds.delete(messageId);
    return id;
  };
  return { around, traceIdOf };
}

/**
 * The traceparents of the attempts started in one turn (the worker starts a claimed batch together) read with one
 * statement rather than one each.
 */
function batchedReads(traces: TraceStore): (messageId: string) => Promise<string | null> {
  let ids: string[] | null = null;
  let read: Promise<Map<string, string>> = Promise.resolve(new Map());
  return (messageId) => {
    if (ids === null) {
      const batch: string[] = [];
      ids = batch;
      read = Promise.resolve().then(() => {
        ids = null;
        return traces.getMany(batch);
      });
    }
    ids.push(messageId);
    return read.then((found) => found.get(messageId) ?? null);
  };
}
