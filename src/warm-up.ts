// JIT warm-up (WARM_UP_MS): right after start V8 runs the submit path unoptimised, and the first thousands of
// submissions wait on the compiler. So before /ready turns 200 the
// process runs a scratch copy of itself (runtime and server, the same code) on a temporary database of the same
// engine, and sends it real traffic over loopback: submitQuote from many connections, reads, and subscriptions
// over WebSocket and SSE, with the worker draining when this process runs one. The scratch copy has its own
// database, a silent logger, its own metrics, no Redis and no tracing, so nothing of it reaches the real
// database, log, figures or collector; its database is removed afterwards, also when a signal stops it early.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import type { Config } from './config.js';
import { engineOf } from './db/open-store.js';
import { createLogger, type Logger } from './logger.js';
import { sampleSubmission } from './quotes/sample-submissions.js';
import { startRuntime } from './runtime.js';
import { createServer } from './server/app.js';
import { untraced } from './tracing/trace.js';

/** Connections submitting at once, as many as the load a warm process is measured at. */
const CLIENTS = 50;

export interface WarmUpOptions {
  config: Config;
  logger: Logger;
  /** Whether the scratch copy runs a worker (as this process does: not with WORKER_PROCESS). */
  withWorker: boolean;
  durationMs: number;
}

export interface WarmUp {
  /** Resolves when the warm-up ended (its time up, stopped, or failed: a failure is logged, never thrown). */
  done: Promise<void>;
  /** Ends the traffic now and removes the scratch copy; resolves once it is gone. */
  stop(): Promise<void>;
}

export function startWarmUp(options: WarmUpOptions): WarmUp {
  const { logger } = options;
  const abort = new AbortController();
  const started = performance.now();
  const done = untraced(() => warmUp(options, abort.signal)).then(
    (requests) =>
      logger.info({ ms: Math.round(performance.now() - started), requests }, 'warm-up done: ready'),
    (err: unknown) => logger.warn({ err }, 'warm-up failed: ready without it'),
  );
  return {
    done,
    async stop() {
      abort.abort();
      await done;
    },
  };
}

/** Runs the scratch copy and its traffic until `durationMs` passed or `signal` aborts; the requests answered. */
async function warmUp(options: WarmUpOptions, signal: AbortSignal): Promise<number> {
  const scratch = await scratchDatabase(options.config.DATABASE_URL);
  try {
    if (signal.aborted) return 0;
    const key = options.config.API_KEYS ? `warm-up-${randomBytes(12).toString('hex')}` : undefined;
    const config: Config = {
      ...options.config,
      DATABASE_URL: scratch.url,
      DATABASE_POOL_SIZE: Math.min(options.config.DATABASE_POOL_SIZE, 3),
      PORT: 0,
      HOST: '127.0.0.1',
      REDIS_URL: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      LOG_LEVEL: 'silent',
      MAX_QUEUE_SIZE: 10_000_000,
      MAX_ACTIVE_PER_OWNER: undefined,
      // With keys, the same authentication and rate-limit paths as real traffic, with a budget it never meets.
      API_KEYS: key ? [{ key, role: 'admin', name: 'warm-up' }] : undefined,
      RATE_LIMIT_PER_SECOND: key ? 1_000_000 : undefined,
      MAX_SUBSCRIPTIONS_PER_KEY: undefined,
    };
    const logger = createLogger('silent');
    const runtime = await startRuntime({ config, logger, withWorker: options.withWorker });
    try {
      const server = await createServer({ runtime, config, logger, closeGraceMs: 1000 });
      try {
        options.logger.info({ engine: engineOf(scratch.url), ms: options.durationMs }, 'warming up');
        return await traffic(server.url, key, options.durationMs, signal);
      } finally {
        await server.close();
      }
    } finally {
      await runtime.stop(0);
    }
  } finally {
    await scratch.remove();
  }
}

/** A temporary database of the real one's engine: a SQLite file in a temp folder, or a PostgreSQL schema. */
async function scratchDatabase(url: string): Promise<{ url: string; remove(): Promise<void> }> {
  if (engineOf(url) === 'sqlite') {
    if (url === ':memory:') return { url, remove: async () => {} };
    const dir = mkdtempSync(join(tmpdir(), 'quote-queue-warm-up-'));
    return {
      url: join(dir, 'warm-up.db'),
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  // Named by the process, so a leftover (after kill -9) says whose it was.
  const schema = `warm_up_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  const scratch = new URL(url);
  scratch.searchParams.set('search_path', schema);
  return {
    url: scratch.toString(),
    async remove() {
      try {
        await admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await admin.end({ timeout: 1 });
      }
    },
  };
}

const SUBMIT =
  'mutation WarmUp($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId status priority } }';
const READ =
  'query WarmUp($id: ID!) { queueMessage(id: $id) { id status version priority result { decision } } }';
const STATS = '{ queueStats { pendingCount processingCount completedCount failedCount } }';
const FOLLOW =
  'subscription WarmUp($id: ID!) { messageStatus(id: $id) { id status version result { decision annualPremium } } }';

/** CLIENTS loops of submit (a read and the figures now and then) and some subscriptions, until time is up. */
async function traffic(
  url: string,
  key: string | undefined,
  durationMs: number,
  signal: AbortSignal,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    lazy: true,
    retryAttempts: 0,
  });
  const until = performance.now() + durationMs;
  const follows = new Set<Promise<void>>();
  let answered = 0;
  let n = 0;
  let failed = false;
  const post = (query: string, variables?: Record<string, unknown>) =>
    send(url, agent, headers, JSON.stringify({ query, variables })).then((body) => {
      answered++;
      return body;
    });

  async function client(): Promise<void> {
    while (!failed && !signal.aborted && performance.now() < until) {
      const i = n++;
      const body = await post(SUBMIT, { input: { submission: sampleSubmission(i) } });
      const id = (JSON.parse(body) as { data?: { submitQuote?: { messageId: string } } }).data?.submitQuote
        ?.messageId;
      if (!id) throw new Error(`warm-up submit refused: ${body.slice(0, 200)}`);
      if (i % 8 === 0) await post(READ, { id });
      if (i % 32 === 0) await post(STATS);
      // A few followers at a time, over both transports, each to its message's final state.
      if (i % 64 === 0 && follows.size < 8) {
        const follow = (i % 128 === 0 ? followWs(ws, id) : followSse(url, headers, id)).finally(() =>
          follows.delete(follow),
        );
        follows.add(follow);
      }
    }
  }

  try {
    // One failure ends every loop, so none is left sending to the server being closed.
    await Promise.all(
      Array.from({ length: CLIENTS }, () =>
        client().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
  } finally {
    // Followers whose message is not final yet are ended with the scratch server.
    await ws.dispose();
    agent.destroy();
  }
  return answered;
}

function send(url: string, agent: Agent, headers: Record<string, string>, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function followWs(ws: ReturnType<typeof createClient>, id: string): Promise<void> {
  return new Promise((resolve) => {
    ws.subscribe(
      { query: FOLLOW, variables: { id } },
      { next: () => {}, error: () => resolve(), complete: () => resolve() },
    );
  });
}

/** An SSE subscription on a connection of its own (not one of the submitters'), read until the server ends it. */
function followSse(url: string, headers: Record<string, string>, id: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { ...headers, accept: 'text/event-stream' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('error', () => resolve());
        res.on('close', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end(JSON.stringify({ query: FOLLOW, variables: { id } }));
  });
}
