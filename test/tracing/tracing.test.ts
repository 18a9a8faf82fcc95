// Traces with the real OpenTelemetry SDK in this process (an in-memory exporter): a submitQuote sent with a W3C
// traceparent yields the GraphQL operation, the enqueue, the attempt and each underwriting step as spans of the
// caller's trace, with the message id, priority, attempt number and outcome; on both engines.
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableTracing } from '../../src/tracing/trace.js';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, startTestServer, type TestServer, waitForEvent } from '../helpers/server.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  provider.register();
  enableTracing();
});
afterAll(async () => {
  enableTracing(false);
  await provider.shutdown();
  trace.disable();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const SUBMIT = /* GraphQL */ `
  mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }
`;

async function post(t: TestServer, query: string, variables: Record<string, unknown>, traceparent?: string) {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, { messageId: string }>; errors?: unknown };
}

describe.each(ENGINES)('tracing on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({}, { engine });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("puts the operation, the enqueue, the attempt and every underwriting step in the caller's trace", async () => {
    exporter.reset();
    const done = waitForEvent(t.runtime, (e) => e.kind === 'completed');
    const res = await post(t, SUBMIT, { input: { submission: SUBMISSION, useAgentic: true } }, CALLER);
    const id = res.data!.submitQuote!.messageId;
    await done;
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
    const named = (name: string) => spans.find((s) => s.name === name);
    const operation = named('graphql.mutation Submit')!;
    expect(operation.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const enqueue = named('enqueue')!;
    expect(enqueue.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
    expect(enqueue.attributes).toMatchObject({
      'quote_queue.message.id': id,
      'quote_queue.priority': 'NORMAL',
    });
    const attempt = named('attempt')!;
    expect(attempt.parentSpanContext?.spanId).toBe(enqueue.spanContext().spanId);
    expect(attempt.attributes).toMatchObject({
      'quote_queue.message.id': id,
      'quote_queue.priority': 'NORMAL',
      'quote_queue.attempt': 1,
      'quote_queue.outcome': 'COMPLETED',
    });
    const steps = spans.filter((s) => s.name.startsWith('underwriting '));
    expect(steps.map((s) => s.name)).toEqual([
      'underwriting intake',
      'underwriting risk-assessment',
      'underwriting pricing',
      'underwriting compliance',
      'underwriting decision',
    ]);
    for (const step of steps) expect(step.parentSpanContext?.spanId).toBe(attempt.spanContext().spanId);
  });

  it("puts each attempt of a batch claimed together in its own caller's trace, its step under it", async () => {
    const admin = { id: 'admin', name: 'admin', role: 'admin' } as const;
    await t.runtime.service.pause(admin);
    exporter.reset();
    // Three callers' traces; the paused worker then claims their messages together (its traceparents read at once).
    const callers = ['a', 'b', 'c'].map((c) => ({ traceId: c.repeat(32), parent: `${c.repeat(15)}1` }));
    const ids: string[] = [];
    for (const c of callers) {
      const res = await post(
        t,
        SUBMIT,
        { input: { submission: SUBMISSION } },
        `00-${c.traceId}-${c.parent}-01`,
      );
      ids.push(res.data!.submitQuote!.messageId);
    }
    const done = new Set<string>();
    const all = waitForEvent(t.runtime, (e) => {
      if (e.kind === 'completed' && ids.includes(e.messageId)) done.add(e.messageId);
      return done.size === ids.length;
    });
    await t.runtime.service.resume(admin);
    await all;
    const spans = exporter.getFinishedSpans();
    ids.forEach((id, i) => {
      const attempt = spans.find(
        (s) => s.name === 'attempt' && s.attributes['quote_queue.message.id'] === id,
      )!;
      expect(attempt.spanContext().traceId).toBe(callers[i]!.traceId);
      const steps = spans.filter(
        (s) => s.name === 'underwriting' && s.parentSpanContext?.spanId === attempt.spanContext().spanId,
      );
      expect(steps).toHaveLength(1);
      expect(steps[0]!.spanContext().traceId).toBe(callers[i]!.traceId);
    });
  });

  it("puts every message of a submitQuotes batch in the caller's trace, under one enqueue span", async () => {
    exporter.reset();
    // Completions are counted from before the request: the worker may finish them before the answer arrives.
    const completed = new Set<string>();
    let ids: string[] = [];
    let allDone!: () => void;
    const all = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const check = () => {
      if (ids.length > 0 && ids.every((id) => completed.has(id))) allDone();
    };
    const off = t.runtime.events.onChange((e) => {
      if (e.kind !== 'completed') return;
      completed.add(e.messageId);
      check();
    });
    const res = (await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: CALLER },
      body: JSON.stringify({
        query: 'mutation($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId } }',
        variables: {
          input: [{ submission: SUBMISSION }, { submission: SUBMISSION }, { submission: SUBMISSION }],
        },
      }),
    }).then((r) => r.json())) as { data: { submitQuotes: { messageId: string }[] } };
    ids = res.data.submitQuotes.map((s) => s.messageId);
    expect(ids).toHaveLength(3);
    check();
    await all;
    off();
    const spans = exporter.getFinishedSpans();
    const enqueues = spans.filter((s) => s.name === 'enqueue');
    expect(enqueues).toHaveLength(1);
    expect(enqueues[0]!.spanContext().traceId).toBe(TRACE_ID);
    expect(enqueues[0]!.attributes['quote_queue.message.count']).toBe(3);
    for (const id of ids) {
      const attempt = spans.find(
        (s) => s.name === 'attempt' && s.attributes['quote_queue.message.id'] === id,
      );
      expect(attempt?.spanContext().traceId).toBe(TRACE_ID);
      expect(attempt?.parentSpanContext?.spanId).toBe(enqueues[0]!.spanContext().spanId);
    }
  });

  it('starts a trace of its own for a request without a traceparent, and runQuote joins the caller too', async () => {
    exporter.reset();
    const run = await post(
      t,
      `mutation Run($input: RunQuoteInput!) { runQuote(input: $input) { id status } }`,
      { input: { submission: SUBMISSION } },
      CALLER,
    );
    expect(run.errors).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const attempt = spans.find((s) => s.name === 'attempt')!;
    expect(attempt.spanContext().traceId).toBe(TRACE_ID);
    expect(spans.find((s) => s.name === 'underwriting')?.spanContext().traceId).toBe(TRACE_ID);

    exporter.reset();
    const done = waitForEvent(t.runtime, (e) => e.kind === 'completed');
    await post(t, SUBMIT, { input: { submission: SUBMISSION } });
    await done;
    const own = exporter.getFinishedSpans();
    const traceIds = new Set(own.map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    expect(traceIds.has(TRACE_ID)).toBe(false);
  });
});
