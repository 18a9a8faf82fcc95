// API keys never reach the log: the real service at debug level, called with good and bad keys over HTTP,
// SSE and WebSocket, writes not one line containing a key (only the key's name or fingerprint).
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnTs } from '../helpers/child.js';
import { type Engine, tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION, SUBMIT } from '../helpers/server.js';

const SUBMITTER = 'sk-live-submitter-4f9c2e7a1b';
const REVIEWER = 'sk-live-reviewer-8d3a6b0c5e';
const WRONG = 'sk-live-wrong-1a2b3c4d5e6f';

describe.each(ENGINES)('keys in logs on %s', (engine: Engine) => {
  let db: { url: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    db = await tempDatabase(engine);
  });
  afterAll(() => db.cleanup());

  it('no log line carries a key, whichever way it was sent', async () => {
    const child = await spawnTs(
      'src/main.ts',
      {
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        DATABASE_POOL_SIZE: '2',
        LOG_LEVEL: 'debug',
        API_KEYS: `${SUBMITTER}:submitter,${REVIEWER}:reviewer:rita`,
        WORKER_CONCURRENCY: '1',
      },
      /listening on (\S+)/,
    );
    const url = /listening on (\S+)/.exec(child.output())![1]!;
    const post = (key: string, query: string, variables?: unknown, accept = 'application/json') =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
    const submitted = (await (
      await post(SUBMITTER, SUBMIT, { input: { submission: SUBMISSION } })
    ).json()) as {
      data: { submitQuote: { messageId: string } };
    };
    const id = submitted.data.submitQuote.messageId;
    await (await post(REVIEWER, '{ queueStats { pendingCount } }')).text();
    await (await post(WRONG, '{ queueStats { pendingCount } }')).text();
    await (await post(`${WRONG} extra`, '{ queueStats { pendingCount } }')).text();
    const sse = await post(
      REVIEWER,
      'subscription($id: ID!) { messageStatus(id: $id) { status } }',
      { id },
      'text/event-stream',
    );
    await sse.text();
    for (const key of [SUBMITTER, WRONG]) {
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${key}` },
      });
      await new Promise<void>((resolve) => {
        client.subscribe(
          { query: '{ queueStats { maxSize } }' },
          { next: () => {}, error: () => resolve(), complete: () => resolve() },
        );
      });
      await client.dispose();
    }
    child.proc.kill('SIGTERM');
    await child.exited;

    const lines = child.output().split('\n');
    // The log is really at debug level and really saw these requests.
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(5);
    for (const key of [SUBMITTER, REVIEWER, WRONG]) {
      expect(lines.filter((l) => l.includes(key))).toEqual([]);
    }
  });
});
