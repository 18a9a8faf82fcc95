// Scheduled submissions over the real API: runAt waits PENDING, shows in queueStats, can be cancelled, and survives
// a restart of a real server process on the same database, taken on time by the server started after it.
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnTs } from '../helpers/child.js';
import { tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, serverPerTest } from '../helpers/server.js';

const SUBMIT = /* GraphQL */ `
  mutation Submit($input: SubmitQuoteInput!) {
    submitQuote(input: $input) { messageId status queuePosition message { id status runAt nextAttemptAt } }
  }
`;
const STATS = 'query { queueStats { pendingCount scheduledCount nextScheduledAt } }';
const MESSAGE = 'query M($id: ID!) { queueMessage(id: $id) { status runAt startedAt } }';

type Submitted = {
  submitQuote: {
    messageId: string;
    status: string;
    queuePosition: number;
    message: { runAt: string | null; nextAttemptAt: string | null };
  };
};

describe.each(ENGINES)('scheduled submissions (runAt) on %s', (engine) => {
  const startServer = serverPerTest();

  it('wait PENDING with their runAt, count in queueStats as scheduled, and can be cancelled', async () => {
    const t = await startServer({}, { engine });
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await t.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION, runAt } });
    expect(res.errors).toBeUndefined();
    const submitted = res.data!.submitQuote;
    expect(submitted).toMatchObject({ status: 'PENDING', queuePosition: 0 });
    expect(submitted.message).toEqual({
      id: submitted.messageId,
      status: 'PENDING',
      runAt,
      nextAttemptAt: null,
    });
    const stats = await t.gql<{ queueStats: Record<string, unknown> }>(STATS);
    expect(stats.data!.queueStats).toEqual({ pendingCount: 1, scheduledCount: 1, nextScheduledAt: runAt });

    const cancelled = await t.gql<{ cancelMessage: { status: string } }>(
      'mutation C($id: ID!) { cancelMessage(id: $id) { status } }',
      { id: submitted.messageId },
    );
    expect(cancelled.data?.cancelMessage.status).toBe('CANCELLED');
    const after = await t.gql<{ queueStats: Record<string, unknown> }>(STATS);
    expect(after.data!.queueStats).toEqual({ pendingCount: 0, scheduledCount: 0, nextScheduledAt: null });
  });

  it('refuse a runAt more than 366 days ahead naming the field; a past runAt is now', async () => {
    const t = await startServer({}, { engine });
    const far = new Date(Date.now() + 367 * 86_400_000).toISOString();
    const refused = await t.gql(SUBMIT, { input: { submission: SUBMISSION, runAt: far } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('input.runAt');
    const past = new Date(Date.now() - 60_000).toISOString();
    const res = await t.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION, runAt: past } });
    expect(res.data?.submitQuote.message.runAt).toBeNull();
  });

  it('survive a restart of the server and are taken on time, not before', async () => {
    const db = await tempDatabase(engine);
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '3',
      LOG_LEVEL: 'warn',
      API_KEYS: '',
    };
    const start = async () => {
      const child = await spawnTs('src/main.ts', env, /listening on (\S+)/);
      return { child, url: /listening on (\S+)/.exec(child.output())![1]! };
    };
    const post = async <T>(url: string, query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data: T; errors?: unknown };
    };
    try {
      const first = await start();
      // Far enough ahead that the first server, killed right after, cannot have taken it.
      const runAt = new Date(Date.now() + 8_000);
      const res = await post<Submitted>(first.url, SUBMIT, {
        input: { submission: SUBMISSION, runAt: runAt.toISOString() },
      });
      expect(res.errors).toBeUndefined();
      const id = res.data.submitQuote.messageId;
      first.child.proc.kill('SIGKILL');
      await first.child.exited;

      const second = await start();
      try {
        const waiting = await post<{ queueMessage: { status: string } }>(second.url, MESSAGE, { id });
        expect(waiting.data.queueMessage.status).toBe('PENDING');
        // Follows the message to its end over WebSocket: the subscription completes once it is final.
        const client = createClient({
          url: second.url.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
        });
        const statuses: string[] = [];
        await new Promise<void>((resolve, reject) => {
          client.subscribe<{ messageStatus: { status: string } }>(
            { query: 'subscription F($id: ID!) { messageStatus(id: $id) { status } }', variables: { id } },
            {
              next: (v) => statuses.push(v.data!.messageStatus.status),
              error: reject,
              complete: resolve,
            },
          );
        });
        await client.dispose();
        expect(statuses.at(-1)).toBe('COMPLETED');
        const done = await post<{ queueMessage: { runAt: string; startedAt: string } }>(second.url, MESSAGE, {
          id,
        });
        const startedAt = Date.parse(done.data.queueMessage.startedAt);
        expect(done.data.queueMessage.runAt).toBe(runAt.toISOString());
        expect(startedAt).toBeGreaterThanOrEqual(runAt.getTime());
        // On time: the worker wakes at the due time rather than at its next poll (within a loaded machine's slack).
        expect(startedAt - runAt.getTime()).toBeLessThan(2_000);
      } finally {
        second.child.proc.kill('SIGTERM');
        await second.child.exited;
      }
    } finally {
      await db.cleanup();
    }
  }, 60_000);
});
