// A kill -9 in the middle of the agentic workflow: the server started after it resumes the message from its last
// finished step, so the steps finished before the crash are not paid for again. Real processes on both engines;
// the outside service is a fake outside the product (test/helpers/workflow-child.ts), which logs every call.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Child, spawnTs } from '../helpers/child.js';
import { tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';
import { SUBMISSION } from '../helpers/server.js';

const FOLLOW = /* GraphQL */ `
  subscription Follow($id: ID!) { messageStatus(id: $id) { status steps { name status } } }
`;
type Seen = { messageStatus: { status: string; steps: { name: string; status: string }[] | null } };

describe.each(ENGINES)('the agentic workflow after a kill -9, on %s', (engine) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('resumes after a restart from the last step finished before the crash', async () => {
    const db = await tempDatabase(engine);
    cleanups.push(() => db.cleanup());
    const dir = mkdtempSync(join(tmpdir(), 'workflow-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const start = async (hangAt?: string) => {
      const child = await spawnTs(
        'test/helpers/workflow-child.ts',
        { QUEUE_DB: db.url, CALLS_LOG: log, ...(hangAt ? { HANG_AT: hangAt } : {}) },
        /listening on (\S+)/,
      );
      cleanups.push(async () => {
        if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
        await child.exited;
      });
      return { child, url: /listening on (\S+)/.exec(child.output())![1]! };
    };
    const ws = (url: string): Client => {
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      cleanups.push(() => client.dispose());
      return client;
    };
    /** Follows the message until `until` holds for a value (or it ends); resolves with that value. */
    const follow = (client: Client, id: string, until: (v: Seen) => boolean) =>
      new Promise<Seen>((resolve, reject) => {
        let last: Seen | undefined;
        const stop = client.subscribe<Seen>(
          { query: FOLLOW, variables: { id } },
          {
            next: (v) => {
              last = v.data as Seen;
              if (until(last)) {
                stop();
                resolve(last);
              }
            },
            error: reject,
            complete: () => (last ? resolve(last) : reject(new Error('ended with no value'))),
          },
        );
      });

    // The first server hangs in pricing: intake and risk-assessment are done and stored when it is killed.
    const first: { child: Child; url: string } = await start('pricing');
    const res = await fetch(first.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation S($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }',
        variables: { input: { submission: SUBMISSION, useAgentic: true, maxRetries: 2 } },
      }),
    });
    const id = ((await res.json()) as { data: { submitQuote: { messageId: string } } }).data.submitQuote
      .messageId;
    const inPricing = await follow(
      ws(first.url),
      id,
      (v) => v.messageStatus.steps?.[2]?.status === 'RUNNING',
    );
    expect(inPricing.messageStatus.steps?.map((s) => s.status)).toEqual(['DONE', 'DONE', 'RUNNING']);
    first.child.proc.kill('SIGKILL');
    await first.child.exited;

    const second = await start();
    const end = await follow(
      ws(second.url),
      id,
      (v) => v.messageStatus.status !== 'PROCESSING' && v.messageStatus.status !== 'PENDING',
    );
    expect(end.messageStatus.status).toBe('COMPLETED');
    expect(end.messageStatus.steps?.map((s) => `${s.name}:${s.status}`)).toEqual([
      'intake:DONE',
      'risk-assessment:DONE',
      'pricing:DONE',
      'compliance:DONE',
      'decision:DONE',
    ]);
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const firstPid = String(first.child.proc.pid);
    const secondPid = String(second.child.proc.pid);
    // Before the crash: intake, risk-assessment and the pricing call that hung. After: pricing and what follows only.
    expect(calls).toEqual([
      ['intake', firstPid],
      ['risk-assessment', firstPid],
      ['pricing', firstPid],
      ['pricing', secondPid],
      ['compliance', secondPid],
      ['decision', secondPid],
    ]);
  }, 60_000);
});
