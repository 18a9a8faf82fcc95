// Webhooks as the contract says, on both engines, against a real HTTP receiver on 127.0.0.1 (private networks
// allowed for it): signed calls that the standardwebhooks package verifies, retries under one webhook-id, the
// admin-only API, SSRF refusals, redelivery, and deliveries made from the stored log by any process.
import { readdirSync, readFileSync } from 'node:fs';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { webhookStoreOf } from '../../src/db/open-store.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime } from '../../src/runtime.js';
import { createDispatcher } from '../../src/webhooks/dispatcher.js';
import type { CallResult } from '../../src/webhooks/send.js';
import { THREAD_NICE, type ThreadDispatcher } from '../../src/webhooks/thread.js';
import { tempDatabase } from '../helpers/databases.js';
import { ENGINES } from '../helpers/postgres.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { SUBMISSION, SUBMIT, startTestServer, type TestServer } from '../helpers/server.js';

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateWebhookInput!) {
    createWebhook(input: $input) { webhook { id url events description createdAt } secret }
  }
`;
const DELIVERIES = /* GraphQL */ `
  query Deliveries($webhookId: ID) {
    webhookDeliveries(webhookId: $webhookId) {
      id type messageId messageVersion status attempts lastError lastStatusCode nextAttemptAt deliveredAt
    }
  }
`;
const REVIEW = /* GraphQL */ `
  mutation Review($id: ID!) { reviewQuote(id: $id, action: APPROVE, notes: "fine") { id version } }
`;

// Retries wait about 20 ms instead of 5 s, so four calls take well under a second.
const ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_BASE_MS: '20' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(
  engine: (typeof ENGINES)[number],
  env: Record<string, string> = ENV,
): Promise<TestServer> {
  const t = await startTestServer(env, { engine });
  cleanups.push(() => t.stop());
  return t;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}

async function register(t: TestServer, url: string, events: string[], key?: string) {
  const res = await t.gql<{ createWebhook: { webhook: { id: string }; secret: string } }>(
    CREATE,
    { input: { url, events, description: 'test receiver' } },
    key,
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.createWebhook;
}

async function submit(t: TestServer, coverageAmount = 250_000): Promise<string> {
  const res = await t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
    input: { submission: { ...SUBMISSION, coverageAmount } },
  });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.submitQuote.messageId;
}

type Body = { type: string; timestamp: string; data: { message: Record<string, unknown> } };

describe.each(ENGINES)('webhooks on %s', (engine) => {
  it('calls the endpoint with a Standard Webhooks signature that the standardwebhooks package verifies', async () => {
    const t = await server(engine);
    const r = await receiver();
    const { webhook, secret } = await register(t, r.url, ['MESSAGE_COMPLETED']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const id = await submit(t);
    const [call] = await r.waitFor(1);
    const body = new Verifier(secret).verify(call!.body, call!.signed) as Body;
    expect(body.type).toBe('message.completed');
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    const message = body.data.message;
    expect(message).toMatchObject({ id, status: 'COMPLETED', priority: 'NORMAL', retryCount: 0 });
    expect(message.payload).toMatchObject(SUBMISSION);
    expect(message.result).toMatchObject({ decision: 'APPROVED' });
    // The message as queueMessage shows it at that version.
    const shown = await t.gql<{ queueMessage: Record<string, unknown> }>(
      `query($id: ID!) { queueMessage(id: $id) { id status version completedAt result { decision annualPremium } } }`,
      { id },
    );
    expect(message).toMatchObject(shown.data!.queueMessage);
    // A wrong secret does not verify.
    expect(() =>
      new Verifier(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(call!.body, call!.signed),
    ).toThrow();
    // The secret is never shown again.
    const listed = await t.gql<{ webhooks: Record<string, unknown>[] }>(
      '{ webhooks { id url events description createdAt } }',
    );
    expect(listed.data!.webhooks).toEqual([
      expect.objectContaining({ id: webhook.id, url: r.url, events: ['MESSAGE_COMPLETED'] }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
    // The receiver has answered; the dispatcher (in its own thread) records the delivery just after.
    await t.runtime.dispatcher.idle();
    const deliveries = await t.gql<{ webhookDeliveries: Record<string, unknown>[] }>(DELIVERIES, {});
    expect(deliveries.data!.webhookDeliveries).toEqual([
      expect.objectContaining({
        id: call!.signed['webhook-id'],
        status: 'DELIVERED',
        attempts: 1,
        messageId: id,
      }),
    ]);
  });

  it('retries a failing endpoint under the same webhook-id: 500 three times, then 200, four calls', async () => {
    const t = await server(engine);
    const r = await receiver();
    r.respond = (n) => (n < 3 ? 500 : 200);
    const { secret } = await register(t, r.url, ['MESSAGE_COMPLETED']);
    await submit(t);
    const calls = await r.waitFor(4);
    const ids = new Set(calls.map((c) => c.signed['webhook-id']));
    expect(ids.size).toBe(1);
    for (const call of calls) new Verifier(secret).verify(call.body, call.signed);
    // The same bytes every time: only the timestamp and so the signature may differ.
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    await t.runtime.dispatcher.idle();
    const deliveries = await t.gql<{ webhookDeliveries: Record<string, unknown>[] }>(DELIVERIES, {});
    expect(deliveries.data!.webhookDeliveries).toEqual([
      expect.objectContaining({
        status: 'DELIVERED',
        attempts: 4,
        lastError: 'HTTP 500',
        lastStatusCode: 200,
      }),
    ]);
    expect(r.calls).toHaveLength(4);
  });

  it('delivers each of a message’s events in version order: completed, review required, review decided', async () => {
    const t = await server(engine);
    const r = await receiver();
    const { secret } = await register(t, r.url, ['MESSAGE_COMPLETED', 'REVIEW_REQUIRED', 'REVIEW_DECIDED']);
    // The first call of the message fails once: the later ones must wait for it.
    r.respond = (n) => (n === 0 ? 503 : 200);
    const id = await submit(t, 2_000_000);
    await r.waitFor(3);
    const review = await t.gql(REVIEW, { id });
    expect(review.errors).toBeUndefined();
    const calls = await r.waitFor(4);
    const bodies = calls.map((c) => new Verifier(secret).verify(c.body, c.signed) as Body);
    expect(bodies.map((b) => b.type)).toEqual([
      'message.completed',
      'message.completed',
      'review.required',
      'review.decided',
    ]);
    const delivered = bodies.slice(1);
    const versions = delivered.map((b) => b.data.message.version as number);
    expect(versions[0]).toBe(versions[1]);
    expect(versions[2]).toBeGreaterThan(versions[1]!);
    expect(delivered[2]!.data.message.review).toMatchObject({ state: 'APPROVED', notes: 'fine' });
  });

  it('redelivers a delivery with the same webhook-id', async () => {
    const t = await server(engine);
    const r = await receiver();
    await register(t, r.url, ['MESSAGE_COMPLETED']);
    await submit(t);
    const [first] = await r.waitFor(1);
    await t.runtime.dispatcher.idle();
    const res = await t.gql<{ redeliverWebhookDelivery: { id: string; status: string } }>(
      `mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id status } }`,
      { id: first!.signed['webhook-id'] },
    );
    expect(res.data!.redeliverWebhookDelivery.status).toBe('PENDING');
    const calls = await r.waitFor(2);
    expect(calls[1]!.signed['webhook-id']).toBe(first!.signed['webhook-id']);
    expect(calls[1]!.body).toBe(first!.body);
  });

  it('removes deliveries past retention, never a pending one', async () => {
    const t = await server(engine);
    const r = await receiver();
    await register(t, r.url, ['MESSAGE_COMPLETED']);
    await submit(t);
    await r.waitFor(1);
    await t.runtime.dispatcher.idle();
    r.respond = () => 500;
    await submit(t);
    await r.waitFor(2);
    await t.runtime.dispatcher.idle();
    const store = webhookStoreOf(t.runtime.store);
    const statuses = async () => (await store.deliveries({}, 10)).map((d) => d.status).sort();
    expect(await statuses()).toEqual(['DELIVERED', 'PENDING']);
    expect(await store.purge(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.purge(new Date(Date.now() + 1))).toBe(1);
    expect(await statuses()).toEqual(['PENDING']);
  });

  it('refuses loopback, private, link-local and metadata targets without the flag, at creation and at each call', async () => {
    const t = await server(engine, {});
    const r = await receiver();
    for (const url of [
      r.url,
      r.url.replace('http:', 'https:'),
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[fd00::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'ftp://example.com/hook',
    ]) {
      const res = await t.gql(CREATE, { input: { url, events: ['MESSAGE_COMPLETED'] } });
      expect(res.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    }
    // An endpoint whose name resolves to loopback at call time (as after a DNS change) is never called.
    const store = webhookStoreOf(t.runtime.store);
    const port = new URL(r.url).port;
    await store.create({
      id: 'wh_rebound',
      url: `https://localhost:${port}/hook`,
      events: ['MESSAGE_COMPLETED'],
      description: null,
      createdAt: new Date(),
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    });
    // The runtime's own dispatcher is swapped for one that tells the test of each call it makes.
    await t.runtime.dispatcher.stop();
    let called!: (result: CallResult) => void;
    const firstCall = new Promise<CallResult>((resolve) => {
      called = resolve;
    });
    const dispatcher = createDispatcher({
      store: t.runtime.store,
      webhooks: store,
      events: t.runtime.events,
      allowPrivate: false,
      retryBaseMs: 20,
      workerId: 'test',
      onCall: ({ result }) => called(result),
    });
    dispatcher.start();
    cleanups.push(() => dispatcher.stop());
    await submit(t);
    const result = await firstCall;
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/^refused: resolves to a loopback address/);
    expect(r.calls).toHaveLength(0);
  });

  it('lets only admins list, create or delete webhooks and see deliveries (FORBIDDEN for other roles)', async () => {
    const t = await server(engine, { ...ENV, API_KEYS: 'adm:admin,rev:reviewer,sub:submitter' });
    const { webhook } = await register(t, 'http://127.0.0.1:9/hook', ['MESSAGE_FAILED'], 'adm');
    for (const key of ['rev', 'sub']) {
      const results = [
        await t.gql(CREATE, { input: { url: 'http://127.0.0.1:9/x', events: ['MESSAGE_FAILED'] } }, key),
        await t.gql('{ webhooks { id } }', {}, key),
        await t.gql(DELIVERIES, {}, key),
        await t.gql(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: webhook.id }, key),
        await t.gql(`mutation { redeliverWebhookDelivery(id: "msg_x") { id } }`, {}, key),
      ];
      for (const res of results) expect(res.errors?.[0]?.extensions?.code, key).toBe('FORBIDDEN');
    }
    const deleted = await t.gql<{ deleteWebhook: { id: string } }>(
      `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`,
      { id: webhook.id },
      'adm',
    );
    expect(deleted.data!.deleteWebhook.id).toBe(webhook.id);
    const again = await t.gql(
      `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`,
      { id: webhook.id },
      'adm',
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql<{ webhooks: unknown[] }>('{ webhooks { id } }', {}, 'adm')).data!.webhooks).toEqual(
      [],
    );
  });

  it('answers ids, URLs and descriptions holding U+0000 as unknown or BAD_USER_INPUT, never an internal error', async () => {
    const t = await server(engine);
    const del = await t.gql(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: 'wh_\u0000' });
    expect(del.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const redeliver = await t.gql(`mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id } }`, {
      id: '\u0000',
    });
    expect(redeliver.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const listed = await t.gql<{ webhookDeliveries: unknown[] }>(
      `query($id: ID) { webhookDeliveries(webhookId: $id) { id } }`,
      { id: '\u0000' },
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.webhookDeliveries).toEqual([]);
    for (const input of [
      { url: 'http://127.0.0.1:9/a\u0000b', events: ['MESSAGE_FAILED'] },
      { url: 'http://127.0.0.1:9/a', events: ['MESSAGE_FAILED'], description: 'x\u0000' },
    ]) {
      const res = await t.gql(CREATE, { input });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('makes deliveries from the stored log: events committed while no dispatcher ran are delivered after a restart', async () => {
    const db = await tempDatabase(engine);
    cleanups.push(() => db.cleanup());
    const r = await receiver();
    const config = loadConfig({ ...ENV, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2', LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    const first = await startRuntime({ config, logger, feedPollMs: 20, workerPollMs: 20 });
    const { secret } = await first.webhooks.create(
      { id: 'admin', name: 'admin', role: 'admin' },
      { url: r.url, events: ['MESSAGE_CANCELLED'] },
    );
    // This process commits events but makes no deliveries, as if it had died right after each commit.
    await first.dispatcher.stop();
    first.worker?.pause();
    const actor = { id: 'admin', name: 'admin', role: 'admin' } as const;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { message } = await first.service.submit(actor, { payload: SUBMISSION });
      await first.service.cancel(actor, message.id);
      ids.push(message.id);
    }
    await first.stop(100);
    expect(r.calls).toHaveLength(0);

    const second = await startRuntime({ config, logger, feedPollMs: 20, workerPollMs: 20 });
    cleanups.push(() => second.stop(100));
    const calls = await r.waitFor(3);
    const bodies = calls.map((c) => new Verifier(secret).verify(c.body, c.signed) as Body);
    expect(bodies.map((b) => b.data.message.id)).toEqual(ids);
    expect(bodies.every((b) => b.type === 'message.cancelled')).toBe(true);
  });

  it('starts the webhook thread only once an endpoint exists, delivers through it, and ends it at stop', async () => {
    const db = await tempDatabase(engine);
    cleanups.push(() => db.cleanup());
    const r = await receiver();
    const config = loadConfig({ ...ENV, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2', LOG_LEVEL: 'silent' });
    const runtime = await startRuntime({
      config,
      logger: createLogger('silent'),
      feedPollMs: 20,
      workerPollMs: 20,
    });
    let running = true;
    cleanups.push(async () => {
      if (running) await runtime.stop(100);
    });
    const actor = { id: 'admin', name: 'admin', role: 'admin' } as const;
    await runtime.dispatcher.idle();
    expect(runtime.dispatcher.runsIn).toBe('none');
    const niceBefore = threadNices();
    await runtime.webhooks.create(actor, { url: r.url, events: ['MESSAGE_COMPLETED'] });
    await runtime.dispatcher.idle();
    expect(runtime.dispatcher.runsIn).toBe('thread');
    // Started from its bundle (thread-entry.ts), not through tsx's loader.
    expect((runtime.dispatcher as ThreadDispatcher).entry).toBe('bundle');
    if (process.platform === 'linux') {
      // The webhook thread at its lower priority.
      expect(threadNices().filter((n) => n === THREAD_NICE).length).toBeGreaterThan(
        niceBefore.filter((n) => n === THREAD_NICE).length,
      );
    }
    const id = (await runtime.service.submit(actor, { payload: SUBMISSION })).message.id;
    const [call] = await r.waitFor(1);
    expect((JSON.parse(call!.body) as Body).data.message.id).toBe(id);
    running = false;
    await runtime.stop(100);
    expect(runtime.dispatcher.runsIn).toBe('none');
  });

  it('with two processes on one database, each delivery is made once by one of them', async () => {
    const db = await tempDatabase(engine);
    cleanups.push(() => db.cleanup());
    const r = await receiver();
    const config = loadConfig({ ...ENV, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2', LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    const a = await startRuntime({ config, logger, feedPollMs: 20, workerPollMs: 20, webhookPollMs: 50 });
    cleanups.push(() => a.stop(100));
    const b = await startRuntime({ config, logger, feedPollMs: 20, workerPollMs: 20, webhookPollMs: 50 });
    cleanups.push(() => b.stop(100));
    const actor = { id: 'admin', name: 'admin', role: 'admin' } as const;
    await a.webhooks.create(actor, { url: r.url, events: ['MESSAGE_COMPLETED'] });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++)
      ids.push((await (i % 2 ? a : b).service.submit(actor, { payload: SUBMISSION })).message.id);
    const calls = await r.waitFor(40);
    await Promise.all([a.dispatcher.idle(), b.dispatcher.idle()]);
    const byMessage = new Map<string, number>();
    for (const c of calls) {
      const id = (JSON.parse(c.body) as Body).data.message.id as string;
      byMessage.set(id, (byMessage.get(id) ?? 0) + 1);
    }
    expect([...byMessage.keys()].sort()).toEqual([...ids].sort());
    expect([...byMessage.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(calls.map((c) => c.signed['webhook-id'])).size).toBe(40);
  });
});

/** The nice value of every thread of this process (Linux). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [niceOf(`/proc/self/task/${tid}/stat`)];
    } catch {
      return []; // ended meanwhile
    }
  });
}

/** Field 19 of a /proc stat line (after the command's closing parenthesis: field 3 is the first). */
function niceOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
