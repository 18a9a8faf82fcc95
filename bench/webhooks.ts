// Webhooks' and tracing's cost to the drain (`npm run bench -- --only webhooks`): N plain quotes drained by the real
// service process (bench/servers/quote-service.ts) with no webhook, with one endpoint registered for
// MESSAGE_COMPLETED on a local receiver in this process (HTTP on 127.0.0.1, answering 204), and with traces
// exported over OTLP/HTTP to a local receiver, side by side in each round (a fresh process and database per drain,
// the order rotating). Quotes per second from the commit of
// the seed to the last completion; with the endpoint also calls per second until the receiver has had one call
// per quote (from just before the seed is sent); the ratio is the median of the rounds' ratios.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeTraceRequest, emptyResponse } from '../test/helpers/otlp.js';
import { type Figure, figureOf } from './figures.js';
import { withService } from './quotes.js';
import type { ServerChild } from './servers/child.js';
import { QUOTE_FIGURES } from './tables.js';
import { deadline } from './timing.js';

export const WEBHOOKS = 'webhooks';

export const webhookMetrics = {
  without: (n: number) => `drain ${n.toLocaleString('en-US')} plain quotes, no webhook`,
  with: (n: number) => `drain ${n.toLocaleString('en-US')} plain quotes, one webhook endpoint`,
  calls: (n: number) => `${n.toLocaleString('en-US')} webhook calls received, from the seed to the last`,
  ratio: QUOTE_FIGURES.webhookRatio,
  traced: (n: number) => `drain ${n.toLocaleString('en-US')} plain quotes, traces exported over OTLP/HTTP`,
  tracedRatio: QUOTE_FIGURES.tracingRatio,
  spans: QUOTE_FIGURES.tracedSpans,
  inlineRatio: 'one webhook endpoint, calls on the worker loop / none, drain, per round',
};

export async function runWebhooks(
  quick: boolean,
  rounds: number,
  size?: number,
  inline = false,
): Promise<Figure[]> {
  const n = size ?? (quick ? 500 : 10_000);
  const inlineRatios: number[] = [];
  const without: number[] = [];
  const withHook: number[] = [];
  const calls: number[] = [];
  const ratios: number[] = [];
  const traced: number[] = [];
  const tracedRatios: number[] = [];
  const spansReceived: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    const order = inline
      ? (['plain', 'webhook', 'traced', 'inline'] as const)
      : (['plain', 'webhook', 'traced'] as const);
    const k = r % order.length;
    for (const variant of [...order.slice(k), ...order.slice(0, k)]) {
      if (variant === 'plain') a = await withService((child) => drainRate(child, n));
      else if (variant === 'inline')
        d = (
          await withService((child) => drainWithWebhook(child, n), 'sqlite', {
            BENCH_WEBHOOK_INLINE: '1',
          })
        ).rate;
      else if (variant === 'traced') {
        const t = await drainTraced(n);
        c = t.rate;
        spansReceived.push(t.spans / (SPANS_PER_QUOTE * n));
      } else {
        const d = await withService((child) => drainWithWebhook(child, n));
        b = d.rate;
        calls.push(d.callRate);
      }
    }
    without.push(a);
    withHook.push(b);
    ratios.push(b / a);
    traced.push(c);
    tracedRatios.push(c / a);
    if (inline) inlineRatios.push(d / a);
  }
  return [
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.without(n), 'quotes/s', 'higher', without, 0),
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.with(n), 'quotes/s', 'higher', withHook, 0),
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.calls(n), 'calls/s', 'higher', calls, 0),
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.ratio, 'x', 'higher', ratios, 2),
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.traced(n), 'quotes/s', 'higher', traced, 0),
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.tracedRatio, 'x', 'higher', tracedRatios, 2),
    figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.spans, 'x', 'higher', spansReceived, 3),
    ...(inline
      ? [figureOf(WEBHOOKS, 'quote-queue', webhookMetrics.inlineRatio, 'x', 'higher', inlineRatios, 2)]
      : []),
  ];
}

async function drainRate(child: ServerChild, n: number): Promise<number> {
  const d = await deadline(child.seedAndDrain(n, false, 'quotes'), 300_000, `webhooks: drain of ${n}`);
  return n / d.seconds;
}

async function drainWithWebhook(child: ServerChild, n: number): Promise<{ rate: number; callRate: number }> {
  const receiver = await startReceiver(n);
  try {
    const res = await fetch(child.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }',
        variables: { input: { url: receiver.url, events: ['MESSAGE_COMPLETED'] } },
      }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown };
    if (!body.data) throw new Error(`createWebhook: ${JSON.stringify(body.errors)}`);
    const t0 = performance.now();
    const rate = await drainRate(child, n);
    await deadline(receiver.all, 300_000, `webhooks: ${n} webhook calls`);
    return { rate, callRate: n / ((performance.now() - t0) / 1000) };
  } finally {
    await receiver.close();
  }
}

/** A plain quote's spans when seeded without a caller: its attempt and its one underwriting step. */
const SPANS_PER_QUOTE = 2;

/**
 * The drain with the SDK exporting every span to an OTLP/HTTP receiver in this process (answering 200), in the
 * encoding OTEL_EXPORTER_OTLP_PROTOCOL names (default protobuf). The bodies are kept and decoded after the drain
 * (not during it, which would take CPU from the service), so a drain whose spans were dropped shows it.
 */
async function drainTraced(n: number): Promise<{ rate: number; spans: number }> {
  const bodies: { body: Buffer; type: string | undefined }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const type = req.headers['content-type'];
    const answer = emptyResponse(type);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ body: Buffer.concat(chunks), type });
      res.writeHead(200, { 'content-type': answer.type }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let decoded = 0;
  let spans = 0;
  const count = () => {
    for (; decoded < bodies.length; decoded++) {
      const b = bodies[decoded]!;
      spans += decodeTraceRequest(b.body, b.type).length;
    }
    return spans;
  };
  try {
    const { port } = server.address() as AddressInfo;
    return await withService(
      async (child) => {
        const rate = await drainRate(child, n);
        // The last partial batch leaves after the SDK's schedule delay (5 s): wait for it, within a bound.
        const until = performance.now() + 15_000;
        while (count() < SPANS_PER_QUOTE * n && performance.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 200));
        return { rate, spans: count() };
      },
      'sqlite',
      { BENCH_OTLP: `http://127.0.0.1:${port}` },
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** An endpoint that answers 204 and resolves `all` once it has had `n` different webhook-ids. */
async function startReceiver(n: number) {
  const seen = new Set<string>();
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.add(String(req.headers['webhook-id']));
      res.writeHead(204).end();
      if (seen.size === n) done();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    all,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `--n=2000 --rounds=3`: a size between the quick and the full one, and rounds in one run; `--inline` adds the
  // drain with the webhook calls on the worker's event loop (the dispatcher before its thread), for A/B.
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const n = arg('n') ? Number(arg('n')) : undefined;
  const inline = process.argv.includes('--inline');
  for (const f of await runWebhooks(process.argv.includes('--quick'), Number(arg('rounds') ?? 1), n, inline))
    console.log(`${f.subject} | ${f.metric}: ${f.value} ${f.unit} (rounds ${f.rounds.join(', ')})`);
}
