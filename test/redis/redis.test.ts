// REDIS_URL with a real Redis: one rate-limit budget per key across API processes, per-process limits with a
// warning while Redis is down (nothing else stops), and wake-ups through Redis pub/sub where LISTEN is off.
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type ApiProcess, startApi } from '../helpers/fleet.js';
import { describePostgres, type TempSchema, tempSchema } from '../helpers/postgres.js';
import { describeRedis, REDIS_URL, tempPrefix } from '../helpers/redis.js';
import {
  collectWs,
  MESSAGE_STATUS,
  SUBMISSION,
  SUBMIT,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

const KEY = 'shared-key';
const OTHER = 'other-key';
const QUERY = '{ queueStats { maxSize } }';

type Answer = { errors?: { extensions?: { code?: string } }[] };

/** Sends `count` queries at once, spread over `through`; resolves with how many were answered and how many refused. */
async function burst(
  through: { gql(q: string, v?: Record<string, unknown>, key?: string): Promise<Answer> }[],
  count: number,
) {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => through[i % through.length]!.gql(QUERY, {}, KEY)),
  );
  const refused = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'RATE_LIMITED').length;
  const other = answers.filter((a) => a.errors && a.errors[0]?.extensions?.code !== 'RATE_LIMITED');
  expect(other).toEqual([]);
  return { answered: count - refused, refused };
}

describeRedis('one rate-limit budget per key across API processes', () => {
  const keys = tempPrefix();
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const env = {
      API_KEYS: `${KEY}:admin`,
      RATE_LIMIT_PER_SECOND: '10',
      REDIS_URL,
      REDIS_PREFIX: keys.prefix,
    };
    [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
    // Both connected, so the burst below counts in Redis from its first request.
    await Promise.all([a.runtime.redisWakeups!.subscribed, b.runtime.redisWakeups!.subscribed]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await keys.cleanup();
  });

  it('answers 10 of 30 requests sent at once through two API processes (10 a second for the key)', async () => {
    // Each process alone would answer 10: the budget is one, in Redis.
    expect(await burst([a, b], 30)).toEqual({ answered: 10, refused: 20 });
  });

  it('refuses a mutation whose root fields pass the budget whole, creating nothing', async () => {
    const aliases = Array.from(
      { length: 11 },
      (_, i) => `q${i}: submitQuote(input: { submission: $s }) { messageId }`,
    ).join(' ');
    const res = (await a.gql(
      `mutation($s: QuoteSubmissionInput!) { ${aliases} }`,
      { s: SUBMISSION },
      KEY,
    )) as Answer & { data?: unknown };
    expect(res.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(await a.runtime.store.count({})).toBe(0);
  });
});

describeRedis('Redis going down under an API process', () => {
  const keys = tempPrefix();
  let proxy: Server;
  const links = new Set<Socket>();
  let api: ApiProcess;
  beforeAll(async () => {
    // A TCP relay to the real Redis that the test can cut, standing in for a Redis host that goes away.
    proxy = createTcpServer((client) => {
      const upstream = connect(new URL(REDIS_URL).port ? Number(new URL(REDIS_URL).port) : 6379, '127.0.0.1');
      for (const s of [client, upstream]) {
        links.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          links.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    api = await startApi({
      DATABASE_URL: '',
      API_KEYS: `${KEY}:admin,${OTHER}:admin`,
      RATE_LIMIT_PER_SECOND: '10',
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_PREFIX: keys.prefix,
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '2',
    });
  }, 30_000);
  afterAll(async () => {
    await api?.stop();
    for (const s of links) s.destroy();
    proxy?.close();
    await keys.cleanup();
  });

  it('falls back to a budget per process with a warning, and keeps taking and processing work', async () => {
    proxy.close();
    for (const s of links) s.destroy();
    await api.waitForLog((r) => r.msg === 'Redis unreachable: carrying on without it until it returns');
    expect(await burst([api], 30)).toEqual({ answered: 10, refused: 20 });
    // Submissions, processing and subscriptions carry on (another key: this one's second is spent).
    const res = await api.gql<{ submitQuote: { messageId: string } }>(
      SUBMIT,
      { input: { submission: SUBMISSION } },
      OTHER,
    );
    const id = res.data!.submitQuote.messageId;
    const values = await collectWs<{ messageStatus: { status: string } }>(api.ws(OTHER), MESSAGE_STATUS, {
      id,
      afterVersion: 0,
    });
    expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
    const health = await fetch(api.url.replace('/graphql', '/ready'));
    expect(health.status).toBe(200);
  });
});

describePostgres('wake-ups through Redis where LISTEN is off', () => {
  let schema: TempSchema;
  const keys = tempPrefix();
  const runtimes: Runtime[] = [];
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.stop(500);
    await schema?.cleanup();
    await keys.cleanup();
  });

  describeRedis('two processes on one schema', () => {
    it('carries the worker process’s changes to the other process at once, the log read no other way', async () => {
      schema = await tempSchema();
      const config = loadConfig({
        DATABASE_URL: schema.url,
        DATABASE_POOL_SIZE: '2',
        DATABASE_LISTEN: 'false',
        REDIS_URL,
        REDIS_PREFIX: keys.prefix,
        RETRY_BACKOFF_MS: '10',
      });
      const logger = createLogger('silent');
      // The log's fallback read is an hour apart here, so only a wake-up can bring another process's change.
      const slow = { databasePollMs: 3_600_000, feedPollMs: 20 };
      const api = await startRuntime({ config, logger, withWorker: false, ...slow });
      const worker = await startRuntime({
        config,
        logger,
        withWorker: true,
        workerPollMs: 3_600_000,
        ...slow,
      });
      runtimes.push(api, worker);
      await Promise.all([api.redisWakeups!.subscribed, worker.redisWakeups!.subscribed]);

      const actor = { id: 'open', name: 'open', role: 'admin' as const };
      const seen: string[] = [];
      const { message } = await api.service.submit(actor, { payload: SUBMISSION });
      await new Promise<void>((resolve) => {
        const off = api.events.onChange((e) => {
          if (e.messageId !== message.id) return;
          seen.push(e.kind);
          if (e.message.status === 'COMPLETED') {
            off();
            resolve();
          }
        });
      });
      // The worker heard of the submission by a wake-up too: its own look for due work is an hour apart.
      expect(seen.slice(0, 2)).toEqual(['enqueued', 'claimed']);
      expect(seen.at(-1)).toBe('completed');
    });
  });
});
