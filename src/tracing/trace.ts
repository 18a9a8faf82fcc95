// Spans through @opentelemetry/api only: with no SDK registered (OTEL_EXPORTER_OTLP_ENDPOINT unset) every call
// here is a no-op and nothing is stored, so the default costs nothing. The W3C `traceparent` joins a message's
// attempts, in whichever process runs them, to the trace of the request that submitted it.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

let enabled = false;

/** Called once an SDK is registered (sdk.ts, or a test's provider): from then on traceparents are kept. */
export function enableTracing(on = true): void {
  enabled = on;
}

// Work started inside `untraced` (the JIT warm-up's scratch service, and every request and timer it spawns) makes
// no spans and keeps no traceparents, so none of it reaches the collector.
const scope = new AsyncLocalStorage<true>();

export const tracingEnabled = (): boolean => enabled && scope.getStore() === undefined;

/** Runs `fn`, and everything asynchronous it starts, with tracing off whatever the SDK. */
export function untraced<T>(fn: () => T): T {
  return scope.run(true, fn);
}

export const tracer = () => trace.getTracer('quote-queue');

/** The context a `traceparent` header stands for (the root context when it is absent or malformed). */
export function contextOf(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** The `traceparent` of the span active now, or null outside any span. */
export function currentTraceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The trace id of the span active now (for log lines), or undefined. */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  const id = span?.spanContext().traceId;
  return id && id !== '00000000000000000000000000000000' ? id : undefined;
}

/**
 * Runs `work` in a new active span under `parent` (default: the active context); the span records an error and
 * ends when `work` settles.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
