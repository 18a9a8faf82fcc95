// A real service process killed with SIGKILL while a webhook call it made is unanswered: after a restart on the
// same database the delivery is made again, under the same webhook-id, with a signature that verifies; no log
// line of either process, at the trace level, carries the endpoint's secret.
import { Webhook as Verifier } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, spawnTs } from '../helpers/child.js';
import { tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';
import { SUBMISSION } from '../helpers/server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function service(env: Record<string, string>): Promise<{ child: Child; url: string }> {
  const child = await spawnTs('src/main.ts', env, /listening on (\S+)/);
  cleanups.push(async () => {
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  });
  const url = /listening on (\S+)/.exec(child.output())![1]!;
  return { child, url };
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe.each(ENGINES)('a service killed with SIGKILL between commit and delivery on %s', (engine) => {
  it('delivers after a restart, under the same webhook-id', async () => {
    const db = await tempDatabase(engine);
    cleanups.push(() => db.cleanup());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    // The first call is never answered: the process dies while the delivery is in flight.
    receiver.respond = (n) => (n === 0 ? null : 200);
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '2',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      // Every log line the service can write, to show that none carries the secret.
      LOG_LEVEL: 'trace',
    };
    const first = await service(env);
    const { createWebhook } = await gql<{ createWebhook: { secret: string } }>(
      first.url,
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }`,
      { input: { url: receiver.url, events: ['MESSAGE_COMPLETED'] } },
    );
    const { submitQuote } = await gql<{ submitQuote: { messageId: string } }>(
      first.url,
      `mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }`,
      { input: { submission: SUBMISSION } },
    );
    const [call] = await receiver.waitFor(1);
    first.child.proc.kill('SIGKILL');
    expect(await first.child.exited).toBe('SIGKILL');

    const second = await service(env);
    // The dead process's lease on the call runs out (15 s), then the new one calls again.
    const calls = await receiver.waitFor(2, 40_000);
    expect(calls[1]!.signed['webhook-id']).toBe(call!.signed['webhook-id']);
    const body = new Verifier(createWebhook.secret).verify(calls[1]!.body, calls[1]!.signed) as {
      type: string;
      data: { message: { id: string; status: string } };
    };
    expect(body).toMatchObject({
      type: 'message.completed',
      data: { message: { id: submitQuote.messageId, status: 'COMPLETED' } },
    });
    const logs = first.child.output() + second.child.output();
    expect(logs).toContain('"level":10'); // trace lines were written
    expect(logs).not.toContain(createWebhook.secret.slice('whsec_'.length));
  }, 60_000);
});
