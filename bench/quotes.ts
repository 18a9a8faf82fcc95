// Real quotes through the service as users run it (`npm run bench -- --only quotes`), beside the engine's no-op:
//   drain: N plain quotes seeded into a fresh database, then drained by the real service process
//     (bench/servers/quote-service.ts: startRuntime + createServer as `npm start`, WORKER_CONCURRENCY=10, the quote
//     processor with the deterministic provider); the same with a no-op processor (the engine's ceiling in the same
//     process shape); and M agentic quotes (five steps, each reported as it starts and ends). Quotes per second and
//     the child's CPU (every thread) per quote, from just before its runtime starts to the last completion.
//   end to end: a fresh service; `submitQuote` at a steady rate over HTTP (open loop), each followed by its own
//     `messageStatus` subscription over WebSocket (sent once the submit is answered; spread over 20 sockets)
//     until COMPLETED; milliseconds from just before the submit is sent to the COMPLETED value, and how many
//     completed within the deadline.
// The drain's quotes are stored by the service process itself, as the API stores them (parsed submission, automatic
// priority) but in one transaction, once it is up and idle, so the drain is timed alone from their commit; the
// drains' order rotates each round and each ratio is the median of the rounds' ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { type Figure, figureOf } from './figures.js';
import { benchSchema } from './pg.js';
import { quotePayload } from './quote-payloads.js';
import { runQueueWaitMicros } from './sched.js';
import { type ServerChild, startServerChild } from './servers/child.js';
import { percentile } from './stats.js';
import { QUOTE_FIGURES } from './tables.js';
import { deadline } from './timing.js';

export const QUOTES = 'quotes';
/** The rate QUOTE_FIGURES.endToEnd names. */
export const E2E_RATE = 500;
/** Sockets the followers share: the server allows 100 subscriptions on one, and a slow spell keeps many open. */
const E2E_SOCKETS = 20;
const SUBMIT = 'mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }';
const FOLLOW = 'subscription Follow($id: ID!) { messageStatus(id: $id) { status } }';

/** The figures' names, shared with the tables and targets (bench/tables.ts). */
export const quoteMetrics = {
  plain: (n: number) => `drain ${n.toLocaleString('en-US')} plain quotes, service process, concurrency 10`,
  noop: (n: number) => `drain ${n.toLocaleString('en-US')} no-op messages, service process, concurrency 10`,
  agentic: (n: number) =>
    `drain ${n.toLocaleString('en-US')} agentic quotes, service process, concurrency 10`,
  cpu: 'CPU per message, service process',
  ratio: QUOTE_FIGURES.drainRatio,
  e2e: (n: number) => `${n.toLocaleString('en-US')} ${QUOTE_FIGURES.endToEnd}`,
};

export interface Drained {
  rate: number;
  cpuUs: number;
}

/** Which engine a service process runs on: a fresh SQLite file, or a fresh schema on the local PostgreSQL. */
export type Engine = 'sqlite' | 'postgres';

/**
 * A service stores `n` quotes at once (its worker idle until they commit) and drains them: a fresh process and
 * database, or `shared` (a quick run, where starting a process for each would take longer than its drain).
 */
export async function drain(
  n: number,
  agentic: boolean,
  processor: 'quotes' | 'noop',
  shared?: ServerChild,
  engine: Engine = 'sqlite',
): Promise<Drained> {
  const run = async (child: ServerChild) => {
    const d = await deadline(child.seedAndDrain(n, agentic, processor), 300_000, `quotes: drain of ${n}`);
    return { rate: n / d.seconds, cpuUs: d.cpuMicros / n };
  };
  return shared ? run(shared) : withService(run, engine);
}

/** A fresh service process on a fresh database of `engine`, for the duration of `use`. */
export async function withService<T>(
  use: (child: ServerChild) => Promise<T>,
  engine: Engine = 'sqlite',
  env: Record<string, string> = {},
): Promise<T> {
  if (engine === 'postgres') {
    const schema = await benchSchema('bench_svc');
    try {
      const child = await startServerChild('quote-service', {
        ...env,
        BENCH_DB: schema.url,
        BENCH_PG_SCHEMA: schema.name,
      });
      try {
        return await use(child);
      } finally {
        await child.stop();
      }
    } finally {
      await schema.drop();
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-quotes-'));
  try {
    const child = await startServerChild('quote-service', { ...env, BENCH_DB: join(dir, 'quotes.db') });
    try {
      return await use(child);
    } finally {
      await child.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface EndToEnd {
  p50: number;
  p95: number;
  p99: number;
  completed: number;
}

/**
 * `n` submissions at `rate`/s to `child`, each followed to COMPLETED, after `warm` more the same way (a
 * fresh process's first requests run cold code); waits up to 30 s after the last for the rest.
 */
export async function endToEnd(child: ServerChild, n: number, rate: number, warm: number): Promise<EndToEnd> {
  const sockets: WebSocket[] = [];
  try {
    const sentAt = new Float64Array(warm + n);
    const took = new Float64Array(warm + n).fill(Number.NaN);
    let waiting: { left: number; done: () => void } = { left: 0, done: () => {} };
    for (let s = 0; s < E2E_SOCKETS; s++) {
      sockets.push(
        await openSocket(child.wsUrl, (i, status, ws) => {
          if (status !== 'COMPLETED' || !Number.isNaN(took[i]!)) return;
          took[i] = performance.now() - sentAt[i]!;
          // A REFERRED quote stays open for review, and so would its subscription: the socket caps them at 100.
          ws.send(JSON.stringify({ id: String(i), type: 'complete' }));
          if (--waiting.left === 0) waiting.done();
        }),
      );
    }
    const submit = async (i: number) => {
      const res = await fetch(child.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: SUBMIT, variables: { input: { submission: quotePayload(i) } } }),
      });
      const body = (await res.json()) as { data?: { submitQuote?: { messageId: string } } };
      const id = body.data?.submitQuote?.messageId;
      if (!res.ok || !id) throw new Error(`submitQuote ${i}: ${res.status} ${JSON.stringify(body)}`);
      sockets[i % sockets.length]!.send(
        JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: FOLLOW, variables: { id } } }),
      );
    };
    // Open loop: each submission goes at its time whether or not earlier ones were answered.
    const burst = async (first: number, count: number) => {
      const all = new Promise<void>((resolve) => {
        waiting = { left: count, done: resolve };
      });
      const t0 = performance.now();
      const interval = 1000 / rate;
      const submits: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const wait = t0 + i * interval - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        sentAt[first + i] = performance.now();
        submits.push(submit(first + i));
      }
      await Promise.all(submits);
      // Cleared once all are in: a pending 30 s timer held the bench's process (and a full run) for 30 s.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
      clearTimeout(timer);
    };
    await burst(0, warm);
    const busy = await busyDuring(child, n, () => burst(warm, n));
    process.stderr.write(`quotes, end to end at ${rate}/s: ${busy}\n`);
    const measured = [...took.subarray(warm)].filter((x) => !Number.isNaN(x));
    return {
      p50: percentile(measured, 50),
      p95: percentile(measured, 95),
      p99: percentile(measured, 99),
      completed: measured.length,
    };
  } finally {
    for (const ws of sockets) ws.close(1000);
  }
}

/**
 * What the service and this process (the client) did while `run` ran: CPU per quote, how long each main thread
 * waited for a CPU (Linux), and this process's event-loop delay. Says whether a run measured the service, its
 * client, or a machine too busy for either.
 */
async function busyDuring(child: ServerChild, n: number, run: () => Promise<void>): Promise<string> {
  const server0 = await child.usage();
  const cpu0 = process.cpuUsage();
  const wait0 = runQueueWaitMicros();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  delay.disable();
  const cpu = process.cpuUsage(cpu0);
  const wait1 = runQueueWaitMicros();
  const server1 = await child.usage();
  const waited = (a: number | null, b: number | null) =>
    a === null || b === null ? 'unknown' : `${((b - a) / 1000).toFixed(0)} ms`;
  return (
    `${ms.toFixed(0)} ms; service CPU ${((server1.micros - server0.micros) / n).toFixed(0)} µs/quote, its main ` +
    `thread waited for a CPU ${waited(server0.waitMicros, server1.waitMicros)}; client CPU ` +
    `${((cpu.user + cpu.system) / n).toFixed(0)} µs/quote, waited ${waited(wait0, wait1)}, event-loop delay ` +
    `p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`
  );
}

/** A graphql-transport-ws socket, acknowledged; `onStatus` gets each subscription's (its id) status values. */
function openSocket(
  url: string,
  onStatus: (i: number, status: string, ws: WebSocket) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.once('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as {
        type: string;
        id?: string;
        payload?: { data?: { messageStatus?: { status: string } }; errors?: unknown };
      };
      if (m.type === 'connection_ack') resolve(ws);
      else if (m.type === 'ping') ws.send('{"type":"pong"}');
      else if (m.type === 'error' || m.payload?.errors) {
        process.stderr.write(`subscription ${m.id}: ${JSON.stringify(m.payload)}\n`);
      } else if (m.type === 'next') {
        const status = m.payload?.data?.messageStatus?.status;
        if (status) onStatus(Number(m.id), status, ws);
      }
    });
  });
}

export async function runQuotes(quick: boolean, rounds: number): Promise<Figure[]> {
  const plainN = quick ? 500 : 20_000;
  const agenticN = quick ? 200 : 5_000;
  const e2eN = quick ? 100 : 1_000;
  const measure = async (shared?: ServerChild) => {
    const runs = {
      plain: () => drain(plainN, false, 'quotes', shared),
      noop: () => drain(plainN, false, 'noop', shared),
      agentic: () => drain(agenticN, true, 'quotes', shared),
    };
    const names = Object.keys(runs) as (keyof typeof runs)[];
    const got = new Map<string, Drained[]>(names.map((k) => [k, []]));
    const e2e: EndToEnd[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const name of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
        got.get(name)!.push(await runs[name]());
      }
      const warm = quick ? 50 : 500;
      e2e.push(
        await (shared
          ? endToEnd(shared, e2eN, E2E_RATE, warm)
          : withService((c) => endToEnd(c, e2eN, E2E_RATE, warm))),
      );
    }
    return { got, e2e };
  };
  const { got, e2e } = quick ? await withService(measure) : await measure();
  const rates = (k: string) => got.get(k)!.map((d) => d.rate);
  const cpus = (k: string) => got.get(k)!.map((d) => d.cpuUs);
  const m = quoteMetrics;
  const drainFigures = (k: 'plain' | 'noop' | 'agentic', metric: string, subject: string) => [
    figureOf(QUOTES, subject, metric, 'msg/s', 'higher', rates(k), 0),
    figureOf(QUOTES, subject, `${metric}, ${m.cpu}`, 'µs/msg', 'lower', cpus(k), 1),
  ];
  const plain = rates('plain');
  const noop = rates('noop');
  return [
    ...drainFigures('plain', m.plain(plainN), 'quote-queue'),
    ...drainFigures('agentic', m.agentic(agenticN), 'quote-queue'),
    ...drainFigures('noop', m.noop(plainN), 'service, no-op processor'),
    figureOf(
      QUOTES,
      'quote-queue',
      m.ratio,
      'x',
      'higher',
      plain.map((x, i) => x / noop[i]!),
      2,
    ),
    ...(['p50', 'p95', 'p99'] as const).map((p) =>
      figureOf(
        QUOTES,
        'quote-queue',
        `${m.e2e(e2eN)}, ${p}`,
        'ms',
        'lower',
        e2e.map((x) => x[p]),
        2,
      ),
    ),
    // The fewest of the rounds: every round must complete them all.
    {
      ...figureOf(
        QUOTES,
        'quote-queue',
        `${m.e2e(e2eN)}, completed`,
        'quotes',
        'higher',
        e2e.map((x) => x.completed),
        0,
      ),
      value: Math.min(...e2e.map((x) => x.completed)),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `--e2e`: one end-to-end run alone on a fresh service, as a full run's round (BENCH_CPU_PROF=DIR profiles it).
  if (process.argv.includes('--e2e')) console.log(await withService((c) => endToEnd(c, 1000, E2E_RATE, 500)));
  else
    for (const f of await runQuotes(process.argv.includes('--quick'), 1))
      console.log(`${f.subject} | ${f.metric}: ${f.value} ${f.unit} (rounds ${f.rounds.join(', ')})`);
}
