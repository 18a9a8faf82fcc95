// One trace across processes, exported over OTLP/HTTP to a receiver on 127.0.0.1: an API process (no worker) takes
// a submitQuote sent with a traceparent, a worker process runs the attempt, and both export their spans into the
// caller's trace; the worker's log line for the attempt names the trace. The API process sends JSON
// (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), the worker protobuf (the default), so both encodings are decoded here.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { type Child, spawnTs } from '../helpers/child.js';
import { decodeTraceRequest, type ExportedSpan, emptyResponse } from '../helpers/otlp.js';
import { SUBMISSION } from '../helpers/server.js';
import { tempDb } from '../helpers/sqlite.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * An OTLP/HTTP trace receiver (either encoding, decoded) that resolves `waitFor` once a span matching the predicate
 * arrived, and keeps each service's content types.
 */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const types = new Map<string, Set<string>>();
  const waiters: { check: (s: ExportedSpan) => boolean; resolve: (s: ExportedSpan) => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const type = req.headers['content-type'];
      for (const span of decodeTraceRequest(Buffer.concat(chunks), type)) {
        spans.push(span);
        if (!types.has(span.service)) types.set(span.service, new Set());
        types.get(span.service)!.add(String(type));
        for (const w of waiters.splice(0))
          if (w.check(span)) w.resolve(span);
          else waiters.push(w);
      }
      const answer = emptyResponse(type);
      res.writeHead(200, { 'content-type': answer.type }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    types,
    waitFor(check: (s: ExportedSpan) => boolean): Promise<ExportedSpan> {
      const found = spans.find(check);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ check, resolve }));
    },
  };
}

/** The first line of the child's output that matches, awaiting its stdout until one does. */
function lineOf(child: Child, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const look = () => {
      const line = child.output().split('\n').find(match);
      if (line === undefined) return false;
      child.proc.stdout!.off('data', onData);
      resolve(line);
      return true;
    };
    const onData = () => void look();
    child.proc.stdout!.on('data', onData);
    look();
  });
}

function keep(child: Child): Child {
  cleanups.push(async () => {
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  });
  return child;
}

it("joins the API's and the worker process's spans into the caller's trace, exported over OTLP/HTTP", async () => {
  const db = tempDb();
  cleanups.push(() => db.cleanup());
  const collector = await startCollector();
  const common = {
    DATABASE_URL: db.path,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    LOG_LEVEL: 'info',
  };
  const api = keep(
    await spawnTs(
      'src/main.ts',
      {
        ...common,
        PORT: '0',
        HOST: '127.0.0.1',
        WORKER_CONCURRENCY: '0',
        OTEL_SERVICE_NAME: 'quote-api',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      /listening on (\S+)/,
    ),
  );
  const worker = keep(
    await spawnTs(
      'src/worker-main.ts',
      { ...common, WORKER_CONCURRENCY: '1', OTEL_SERVICE_NAME: 'quote-worker' },
      'worker started',
    ),
  );
  const url = /listening on (\S+)/.exec(api.output())![1]!;
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    body: JSON.stringify({
      query: 'mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
      variables: { input: { submission: SUBMISSION } },
    }),
  });
  const id = ((await res.json()) as { data: { submitQuote: { messageId: string } } }).data.submitQuote
    .messageId;

  const attempt = await collector.waitFor((s) => s.name === 'attempt' && s.traceId === traceId);
  expect(attempt).toMatchObject({
    service: 'quote-worker',
    attributes: { 'quote_queue.message.id': id, 'quote_queue.outcome': 'COMPLETED' },
  });
  const operation = await collector.waitFor(
    (s) => s.name.startsWith('graphql.mutation') && s.traceId === traceId,
  );
  expect(operation.service).toBe('quote-api');
  const enqueue = await collector.waitFor((s) => s.name === 'enqueue' && s.traceId === traceId);
  expect(enqueue.service).toBe('quote-api');
  const step = await collector.waitFor((s) => s.name === 'underwriting' && s.traceId === traceId);
  expect(step.service).toBe('quote-worker');
  // The worker's line for the attempt names the trace.
  const line = await lineOf(worker, (l) => l.includes('"attempt ended"') && l.includes(id));
  expect(line).toContain(`"traceId":"${traceId}"`);
  expect([...collector.types.get('quote-api')!]).toEqual(['application/json']);
  expect([...collector.types.get('quote-worker')!]).toEqual(['application/x-protobuf']);
}, 60_000);
