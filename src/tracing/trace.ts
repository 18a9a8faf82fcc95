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
  type Tracer,
  trace,
} from '@opentelemetry/api';

let enabled = false;

/** Called once an SDK is registered (sdk.ts, or a test's provider): from then on traceparents are kept. */
export function enableTracing(on = true): void {
  enabled = on;
  cached = null;
}

// Work started inside `untraced` (the JIT warm-up's scratch service, and every request and timer it spawns) makes
// no spans and keeps no traceparents, so none of it reaches the collector.
const scope = new AsyncLocalStorage<true>();

export const tracingEnabled = (): boolean => enabled && scope.getStore() === undefined;

/**
 * Runs `fn`, and everything asynchronous it starts, with tracing off whatever the SDK. With tracing off already it
 * just runs `fn`: a first AsyncLocalStorage `run` turns on Node 20's async hooks for the rest of the process's life,
 * a cost on every promise that an untraced service should not pay.
 */
export function untraced<T>(fn: () => T): T {
  return enabled ? scope.run(true, fn) : fn();
}

let cached: Tracer | null = null;

/** The service's tracer, looked up once tracing is on (the lookup costs more than a span's attributes). */
export const tracer = (): Tracer => {
  if (!enabled) return trace.getTracer('quote-queue');
  cached ??= trace.getTracer('quote-queue');
  return cached;
};

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
 * Runs synchronous `work` in a span under the active context, without making it the active one: no context switch
 * (AsyncLocalStorage's `run`) and no promise, which on Node 20 cost more than the span. For work that starts no
 * span of its own and logs nothing (the plain underwriting step).
 */
export function inSyncSpan<T>(
  name: string,
  attributes: Attributes,
  work: () => T,
  parent: Context = context.active(),
): T {
  const span = tracer().startSpan(name, { attributes }, parent);
  try {
    return work();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
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
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `work` in a new span under `parent` without making it the active one: `work` gets the span's context to
 * pass on explicitly. No AsyncLocalStorage run across `work`'s promises (on Node 20 they cost more than the span).
 */
export async function inPassedSpan<T>(
  name: string,
  attributes: Attributes,
  parent: Context,
  work: (span: Span, context: Context) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(name, { attributes }, parent);
  try {
    return await work(span, trace.setSpan(parent, span));
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks `span` as ended by `error`. */
function failed(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
