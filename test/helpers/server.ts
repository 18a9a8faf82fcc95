// A real service in this process for tests: temp SQLite file, runtime, HTTP/WebSocket server on port 0,
// and small clients for GraphQL over HTTP, WebSocket (graphql-ws) and SSE.
import { type Client, createClient } from 'graphql-ws';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Processor } from '../../src/queue/processor.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type AppServer, createServer, type ServerOptions } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { type Engine, tempDatabase } from './databases.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string } }[];
}

/** GraphQL clients of one running server: over HTTP, and over WebSocket (graphql-ws). */
export interface GraphQLClients {
  url: string;
  wsUrl: string;
  /** POSTs a GraphQL operation; `key` is sent as a Bearer token. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client, closed by its owner's `stop()`. */
  ws(key?: string): Client;
}

export interface TestServer extends GraphQLClients {
  runtime: Runtime;
  server: AppServer;
  stop(): Promise<void>;
}

/**
 * For a describe block whose tests each start their own server: gives startTestServer's twin, whose server is
 * stopped after the test that started it.
 */
export function serverPerTest(): typeof startTestServer {
  let running: TestServer | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  return async (...args) => {
    running = await startTestServer(...args);
    return running;
  };
}

/** The clients of the server at `url` (its HTTP GraphQL endpoint); `dispose` closes the WebSocket ones. */
export function graphqlClients(url: string): GraphQLClients & { dispose(): Promise<void> } {
  const wsUrl = url.replace(/^http/, 'ws');
  const clients: Client[] = [];
  return {
    url,
    wsUrl,
    async gql(query, variables, key) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    ws(key) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: key ? { authorization: `Bearer ${key}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.all(clients.map((c) => c.dispose()));
    },
  };
}

/**
 * Starts the real server on a fresh database of `options.engine` (a SQLite file by default, or a PostgreSQL
 * schema); `env` overrides the test defaults (fast retries, no delay, quiet logs), `options` also sets server
 * options that have no variable (the execution guard's budget, timeouts), the workers' lease, and `route`, which
 * rewrites the DATABASE_URL the service uses (e.g. through a proxy a test can cut).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: Pick<ServerOptions, 'executionGuard' | 'timeouts'> & {
    engine?: Engine;
    route?: (url: string) => string;
    leaseMs?: number;
    /** What the workers run; default the quote processor (e.g. one with a fake outside service as its provider). */
    processor?: Processor;
  } = {},
): Promise<TestServer> {
  const { engine = 'SQLite', route = (url: string) => url, leaseMs, processor, ...serverOptions } = options;
  const db = await tempDatabase(engine);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: route(db.url),
    DATABASE_POOL_SIZE: '3',
    WORKER_CONCURRENCY: '2',
    PROCESSING_DELAY_MS: '0',
    RETRY_BACKOFF_MS: '10',
    SHUTDOWN_GRACE_SECONDS: '1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const runtime = await startRuntime({
    config,
    logger,
    onAttempt: metrics.onAttempt,
    feedPollMs: 20,
    workerPollMs: 50,
    reapMs: 200,
    leaseMs,
    processor,
  });
  const server = await createServer({
    runtime,
    config,
    logger,
    metrics,
    closeGraceMs: 1000,
    ...serverOptions,
  });
  const { dispose, ...clients } = graphqlClients(server.url);
  return {
    ...clients,
    runtime,
    server,
    async stop() {
      await dispose();
      await server.close();
      await runtime.stop(500);
      await db.cleanup();
    },
  };
}

/** Runs a subscription over graphql-ws to its end; resolves with every value, rejects on an error. */
export function collectWs<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  onValue?: (value: T, all: T[]) => void,
): Promise<T[]> {
  const values: T[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors)
            return reject(Object.assign(new Error('graphql errors'), { errors: result.errors }));
          values.push(result.data as T);
          onValue?.(result.data as T, values);
        },
        error: (error) => reject(Object.assign(new Error('subscription error'), { errors: error })),
        complete: () => resolve(values),
      },
    );
  });
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Runs a subscription over SSE (POST, Accept: text/event-stream) to its end; resolves with the events. */
export async function collectSse(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
  signal?: AbortSignal,
): Promise<SseEvent[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  if (!res.body) throw new Error(`no stream (HTTP ${res.status})`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0 && event === 'message') continue; // keep-alive comment
      events.push({ event, data: data.join('\n') });
      if (event === 'complete') {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

/** The data of SSE `next` events, parsed. */
export function nextPayloads<T>(events: SseEvent[]): GraphQLResponse<T>[] {
  return events.filter((e) => e.event === 'next').map((e) => JSON.parse(e.data) as GraphQLResponse<T>);
}

export const SUBMISSION = {
  applicantName: 'Ada Lovelace',
  address: '12 Main St, Austin, TX 78701',
  coverageAmount: 250_000,
};

export const SUBMIT = /* GraphQL */ `
  mutation Submit($input: SubmitQuoteInput!) {
    submitQuote(input: $input) { messageId status priority queuePosition estimatedProcessingTime message { id version } }
  }
`;

/** The part of SUBMIT's answer most tests read. */
export type Submitted = { submitQuote: { messageId: string } };

export const MESSAGE_STATUS = /* GraphQL */ `
  subscription Follow($id: ID!, $afterVersion: Int) {
    messageStatus(id: $id, afterVersion: $afterVersion) { id status version review { state } result { decision } }
  }
`;

/** The part of a MESSAGE_STATUS value most tests read. */
export type Status = {
  messageStatus: { id: string; status: string; version: number; review: { state: string } };
};

/** Submits with the worker paused, so a test subscribes before anything happens to the message. */
export async function submitPaused(t: TestServer, input: Record<string, unknown> = {}): Promise<string> {
  t.runtime.worker?.pause();
  const res = await t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
    input: { submission: SUBMISSION, ...input },
  });
  if (res.errors || !res.data) throw new Error(`submitQuote failed: ${JSON.stringify(res.errors)}`);
  return res.data.submitQuote.messageId;
}

export type ChangeSeen = { messageId: string; version: number; kind: string; message: { status: string } };

/** Waits until `predicate` holds for a stored change of the runtime, and gives that change (no polling, no sleeps). */
export function waitForEvent(
  runtime: Runtime,
  predicate: (e: ChangeSeen) => boolean,
  timeoutMs = 10_000,
): Promise<ChangeSeen> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for a change'));
    }, timeoutMs);
    const off = runtime.events.onChange((e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/**
 * Records the runtime's changes from now on: started before a request, `waitFor` also finds a change published
 * before the request's answer came back (the worker may finish a message first).
 */
export function recordEvents(runtime: Runtime): {
  waitFor(predicate: (e: ChangeSeen) => boolean, timeoutMs?: number): Promise<ChangeSeen>;
} {
  const seen: ChangeSeen[] = [];
  const off = runtime.events.onChange((e) => seen.push(e));
  return {
    waitFor(predicate, timeoutMs) {
      off();
      const found = seen.find(predicate);
      return found ? Promise.resolve(found) : waitForEvent(runtime, predicate, timeoutMs);
    },
  };
}
