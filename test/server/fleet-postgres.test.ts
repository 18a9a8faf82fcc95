// Two API processes and two worker processes on one PostgreSQL schema and one Redis, as a fleet runs behind a load
// balancer: submissions through both APIs, subscribers on API A following messages submitted through API B
// (WebSocket and SSE), and a worker process killed with kill -9 mid-drain. Every message completes exactly once,
// every subscriber sees consecutive versions ending in the final state, and a key's rate-limit budget holds across
// both APIs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiProcess, type FleetProcess, startApi, startWorker } from '../helpers/fleet.js';
import { describePostgres, type TempSchema, tempSchema } from '../helpers/postgres.js';
import { describeRedis, REDIS_URL, tempPrefix } from '../helpers/redis.js';
import {
  collectSse,
  collectWs,
  MESSAGE_STATUS,
  nextPayloads,
  type Status,
  SUBMISSION,
  SUBMIT,
  type Submitted,
} from '../helpers/server.js';

const MESSAGES = 300;
const RATE = 50;
/** Admin keys: one per submitting API, one per 10 subscribers (each key's budget is RATE a second), one to burst. */
const KEYS = ['submit-a', 'submit-b', 'watch-1', 'watch-2', 'watch-3', 'watch-4', 'burst'];
const redisKeys = tempPrefix();
let schema: TempSchema;
let apiA: ApiProcess;
let apiB: ApiProcess;
let workers: FleetProcess[] = [];

/**
 * Submits `count` quotes through `api` with `key`, 10 at a time; a RATE_LIMITED answer is sent again after its
 * Retry-After, as a client does. Resolves with their ids in order.
 */
async function submitMany(api: ApiProcess, count: number, tag: string, key: string): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) {
        const i = next++;
        for (;;) {
          const res = await api.gql<Submitted>(
            SUBMIT,
            { input: { submission: { ...SUBMISSION, applicantName: `${tag} ${i}` } } },
            key,
          );
          if (res.data) {
            ids[i] = res.data.submitQuote.messageId;
            break;
          }
          if (res.errors?.[0]?.extensions?.code !== 'RATE_LIMITED')
            throw new Error(JSON.stringify(res.errors));
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }),
  );
  return ids;
}

function expectConsecutiveToFinal(values: Status[]): void {
  const versions = values.map((v) => v.messageStatus.version);
  expect(versions[0]).toBe(1);
  expect(versions).toEqual(versions.map((_, i) => i + 1));
  expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
}

// Runs where both services answer (each helper's `describe` is the plain one then), and in CI, where both must.
const describeFleet = describePostgres === describeRedis ? describePostgres : describePostgres.skip;

describeFleet('two API and two worker processes on one PostgreSQL schema and one Redis', () => {
  beforeAll(async () => {
    schema = await tempSchema();
    const env = {
      DATABASE_URL: schema.url,
      MAX_QUEUE_SIZE: '10000',
      LOG_LEVEL: 'warn',
      API_KEYS: KEYS.map((k) => `${k}:admin`).join(','),
      RATE_LIMIT_PER_SECOND: String(RATE),
      REDIS_URL,
      REDIS_PREFIX: redisKeys.prefix,
    };
    apiA = await startApi({ ...env, WORKER_CONCURRENCY: '0' });
    const workerEnv = { ...env, WORKER_CONCURRENCY: '3', PROCESSING_DELAY_MS: '40' };
    [apiB, ...workers] = await Promise.all([
      startApi({ ...env, WORKER_CONCURRENCY: '0' }),
      startWorker(workerEnv),
      startWorker(workerEnv),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([apiA, apiB, ...workers].map((p) => p?.stop()));
    await schema?.cleanup();
    await redisKeys.cleanup();
  });

  it('completes every message exactly once through a kill -9 of a worker, and subscribers on A follow B’s messages', async () => {
    // Subscribers on A to B's first messages, opened as soon as each is acknowledged by B.
    const watchers = ['watch-1', 'watch-2', 'watch-3'].map((key) => apiA.ws(key));
    const wsClient = apiA.ws('watch-4');
    const following: Promise<Status[]>[] = [];
    const followingSse: Promise<Status[]>[] = [];
    // The fleet paused while the backlog builds up, so the kill below finds attempts in flight.
    expect((await apiB.gql('mutation { pauseWorker }', {}, 'submit-b')).data).toEqual({ pauseWorker: true });
    const throughB = submitMany(apiB, MESSAGES / 2, 'B', 'submit-b');
    const throughA = submitMany(apiA, MESSAGES / 2, 'A', 'submit-a');
    const idsB = await throughB;
    idsB.slice(0, 30).forEach((id, i) => {
      following.push(collectWs<Status>(watchers[i % 3]!, MESSAGE_STATUS, { id, afterVersion: 0 }));
    });
    for (const id of idsB.slice(30, 40)) {
      followingSse.push(
        collectSse(apiA.url, MESSAGE_STATUS, { id, afterVersion: 0 }, 'watch-4').then((events) =>
          nextPayloads<Status>(events).map((p) => p.data!),
        ),
      );
    }
    const ids = [...(await throughA), ...idsB];
    expect(new Set(ids).size).toBe(MESSAGES);
    // The submissions may have spent this second of submit-a's budget: wait for the next, as a client would.
    let resumed = await apiA.gql('mutation { resumeWorker }', {}, 'submit-a');
    while (resumed.errors?.[0]?.extensions?.code === 'RATE_LIMITED') {
      await new Promise((resolve) => setTimeout(resolve, 250));
      resumed = await apiA.gql('mutation { resumeWorker }', {}, 'submit-a');
    }
    expect(resumed.data).toEqual({ resumeWorker: false });

    // kill -9 of one worker process once a fifth of the work is done, with attempts in flight.
    await new Promise<void>((resolve, reject) => {
      const off = wsClient.subscribe<{ queueStats: { completedCount: number } }>(
        { query: 'subscription { queueStats { completedCount } }' },
        {
          next: (v) => {
            if (v.data!.queueStats.completedCount >= MESSAGES / 5) {
              off();
              resolve();
            }
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    const victim = workers[0]!;
    victim.child.proc.kill('SIGKILL');
    expect(await victim.child.exited).toBe('SIGKILL');

    // Everything completes: the survivor reaps the dead worker's leases and takes its messages again.
    await new Promise<void>((resolve, reject) => {
      const off = wsClient.subscribe<{ queueStats: { completedCount: number; pendingCount: number } }>(
        { query: 'subscription { queueStats { completedCount pendingCount processingCount } }' },
        {
          next: (v) => {
            if (v.data!.queueStats.completedCount >= MESSAGES) {
              off();
              resolve();
            }
          },
          error: reject,
          complete: () => {},
        },
      );
    });

    const { admin } = schema;
    const statuses = await admin<{ status: string; n: number }[]>`
      SELECT status, count(*)::int AS n FROM messages GROUP BY status`;
    expect(statuses).toEqual([{ status: 'COMPLETED', n: MESSAGES }]);
    const completions = await admin<{ message_id: string; n: number }[]>`
      SELECT message_id, count(*)::int AS n FROM message_events WHERE kind = 'completed' GROUP BY message_id`;
    expect(completions.length).toBe(MESSAGES);
    expect(completions.every((c) => c.n === 1)).toBe(true);
    expect(new Set(completions.map((c) => c.message_id))).toEqual(new Set(ids));
    // The kill interrupted attempts: they were reaped as LOST and run again elsewhere.
    const [lost] = await admin<{ n: number }[]>`
      SELECT count(*)::int AS n FROM message_events WHERE attempt_outcome = 'LOST'`;
    expect(lost!.n).toBeGreaterThan(0);

    for (const values of await Promise.all(following)) expectConsecutiveToFinal(values);
    for (const values of await Promise.all(followingSse)) expectConsecutiveToFinal(values);

    // One key's budget across both APIs (Redis): of 3 seconds' worth sent at once through A and B, one second's is
    // answered. The budget is a window of one second from the key's first request, so a burst that a loaded machine
    // stretches past a second may see the next window too; per-process budgets would answer twice as many per window.
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: RATE * 3 }, (_, i) =>
        (i % 2 ? apiA : apiB).gql('{ queueStats { maxSize } }', {}, 'burst'),
      ),
    );
    const windows = Math.ceil((performance.now() - started) / 1000);
    const codes = answers.map((a) => a.errors?.[0]?.extensions?.code ?? 'OK');
    const ok = codes.filter((c) => c === 'OK').length;
    expect(ok).toBeGreaterThanOrEqual(RATE);
    expect(ok).toBeLessThanOrEqual(RATE * windows);
    if (windows === 1) expect(ok).toBe(RATE);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(RATE * 3 - ok);
  }, 120_000);
});
