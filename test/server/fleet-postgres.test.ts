// Two API processes and two worker processes on one PostgreSQL schema, as a fleet runs behind a load balancer:
// submissions through both APIs, subscribers on API A following messages submitted through API B (WebSocket and
// SSE), and a worker process killed with kill -9 mid-drain. Every message completes exactly once, and every
// subscriber sees consecutive versions ending in the final state.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiProcess, type FleetProcess, startApi, startWorker } from '../helpers/fleet.js';
import { describePostgres, type TempSchema, tempSchema } from '../helpers/postgres.js';
import {
  collectSse,
  collectWs,
  MESSAGE_STATUS,
  nextPayloads,
  SUBMISSION,
  SUBMIT,
} from '../helpers/server.js';

type Status = { messageStatus: { id: string; status: string; version: number } };
type Submitted = { submitQuote: { messageId: string } };

const MESSAGES = 300;
let schema: TempSchema;
let apiA: ApiProcess;
let apiB: ApiProcess;
let workers: FleetProcess[] = [];

beforeAll(async () => {
  schema = await tempSchema();
  const env = { DATABASE_URL: schema.url, MAX_QUEUE_SIZE: '10000', LOG_LEVEL: 'warn' };
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
});

/** Submits `count` quotes through `api`, 10 at a time; resolves with their ids in order. */
async function submitMany(api: ApiProcess, count: number, tag: string): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) {
        const i = next++;
        const res = await api.gql<Submitted>(SUBMIT, {
          input: { submission: { ...SUBMISSION, applicantName: `${tag} ${i}` } },
        });
        if (!res.data) throw new Error(JSON.stringify(res.errors));
        ids[i] = res.data.submitQuote.messageId;
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

describePostgres('two API and two worker processes on one PostgreSQL schema', () => {
  it('completes every message exactly once through a kill -9 of a worker, and subscribers on A follow B’s messages', async () => {
    // Subscribers on A to B's first messages, opened as soon as each is acknowledged by B.
    const wsClient = apiA.ws();
    const following: Promise<Status[]>[] = [];
    const followingSse: Promise<Status[]>[] = [];
    const throughB = submitMany(apiB, MESSAGES / 2, 'B');
    const throughA = submitMany(apiA, MESSAGES / 2, 'A');
    const idsB = await throughB;
    for (const id of idsB.slice(0, 30)) {
      following.push(collectWs<Status>(wsClient, MESSAGE_STATUS, { id, afterVersion: 0 }));
    }
    for (const id of idsB.slice(30, 40)) {
      followingSse.push(
        collectSse(apiA.url, MESSAGE_STATUS, { id, afterVersion: 0 }).then((events) =>
          nextPayloads<Status>(events).map((p) => p.data!),
        ),
      );
    }
    const ids = [...(await throughA), ...idsB];
    expect(new Set(ids).size).toBe(MESSAGES);

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
  }, 120_000);
});
