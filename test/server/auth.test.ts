// API keys and roles: every operation needs a key, roles decide what it may do, submitters see only theirs.

import { CloseCode } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ENGINES } from '../helpers/postgres.js';
import {
  collectWs,
  MESSAGE_STATUS,
  SUBMISSION,
  SUBMIT,
  type Submitted,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

const KEYS = 'sub-key-1:submitter:alice,sub-key-2:submitter,rev-key:reviewer:rita,adm-key:admin:root';

describe.each(ENGINES)('keys and roles on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(
      { API_KEYS: KEYS, RATE_LIMIT_PER_SECOND: '1000', WORKER_CONCURRENCY: '0' },
      { engine },
    );
  });
  afterAll(() => t.stop());

  async function submit(key: string): Promise<string> {
    const res = await t.gql<Submitted>(SUBMIT, { input: { submission: SUBMISSION } }, key);
    expect(res.errors).toBeUndefined();
    return res.data!.submitQuote.messageId;
  }

  describe('authentication', () => {
    it('refuses an operation without a key, or with an unknown one, with UNAUTHENTICATED', async () => {
      for (const key of [undefined, 'wrong-key']) {
        const res = await t.gql('{ queueStats { pendingCount } }', {}, key);
        expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(res.data ?? null).toBeNull();
      }
    });

    it('needs no key for /health, /ready and /metrics', async () => {
      const base = t.url.replace('/graphql', '');
      for (const path of ['/health', '/ready', '/metrics']) {
        expect((await fetch(base + path)).status, path).toBe(200);
      }
    });

    it('closes a WebSocket whose connection_init carries no valid key', async () => {
      const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nope' } })),
      );
      expect(await closed).toBe(CloseCode.Unauthorized);
    });

    it('accepts a key over WebSocket and checks visibility like HTTP', async () => {
      const id = await submit('sub-key-1');
      await expect(collectWs(t.ws('sub-key-2'), MESSAGE_STATUS, { id })).rejects.toMatchObject({
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
      });
      // The owner may follow it: cancel it so the subscription ends.
      const client = t.ws('sub-key-1');
      const values = collectWs<{ messageStatus: { status: string } }>(
        client,
        MESSAGE_STATUS,
        { id },
        (_v, all) => {
          if (all.length === 1)
            void t.gql('mutation($id: ID!) { cancelMessage(id: $id) { id } }', { id }, 'sub-key-1');
        },
      );
      expect((await values).map((v) => v.messageStatus.status)).toEqual(['PENDING', 'CANCELLED']);
    });
  });

  describe('roles', () => {
    it('a submitter reads and cancels its own messages; another key’s read as unknown', async () => {
      const id = await submit('sub-key-1');
      const read = 'query($id: ID!) { queueMessage(id: $id) { id } }';
      expect((await t.gql<{ queueMessage: null }>(read, { id }, 'sub-key-2')).data!.queueMessage).toBeNull();
      expect(
        (await t.gql<{ queueMessage: { id: string } }>(read, { id }, 'sub-key-1')).data!.queueMessage?.id,
      ).toBe(id);
      const cancel = 'mutation($id: ID!) { cancelMessage(id: $id) { status } }';
      expect((await t.gql(cancel, { id }, 'sub-key-2')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await t.gql(cancel, { id }, 'rev-key')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(
        (await t.gql<{ cancelMessage: { status: string } }>(cancel, { id }, 'sub-key-1')).data!.cancelMessage
          .status,
      ).toBe('CANCELLED');
    });

    it('a submitter lists only its own messages; a reviewer lists all', async () => {
      await submit('sub-key-2');
      const list = '{ queueMessages(first: 100) { totalCount } }';
      const own = await t.gql<{ queueMessages: { totalCount: number } }>(list, {}, 'sub-key-2');
      const all = await t.gql<{ queueMessages: { totalCount: number } }>(list, {}, 'rev-key');
      expect(own.data!.queueMessages.totalCount).toBe(1);
      expect(all.data!.queueMessages.totalCount).toBeGreaterThan(1);
    });

    it('only reviewers and admins may review; only admins retry, cancel others’ messages and pause the worker', async () => {
      const id = await submit('sub-key-1');
      const review = 'mutation($id: ID!) { reviewQuote(id: $id, action: APPROVE) { id } }';
      expect((await t.gql(review, { id }, 'sub-key-1')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      // The reviewer may review, but nothing is pending here.
      expect((await t.gql(review, { id }, 'rev-key')).errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
      const retry = 'mutation($id: ID!) { retryMessage(id: $id) { id } }';
      expect((await t.gql(retry, { id }, 'rev-key')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await t.gql(retry, { id }, 'adm-key')).errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
      expect((await t.gql('mutation { pauseWorker }', {}, 'rev-key')).errors?.[0]?.extensions?.code).toBe(
        'FORBIDDEN',
      );
      expect((await t.gql('mutation { resumeWorker }', {}, 'adm-key')).errors).toBeUndefined();
      const cancel = await t.gql<{ cancelMessage: { status: string } }>(
        'mutation($id: ID!) { cancelMessage(id: $id) { status } }',
        { id },
        'adm-key',
      );
      expect(cancel.data!.cancelMessage.status).toBe('CANCELLED');
    });

    it('queueStats is open to every role', async () => {
      for (const key of ['sub-key-1', 'rev-key', 'adm-key']) {
        expect((await t.gql('{ queueStats { maxSize } }', {}, key)).errors).toBeUndefined();
      }
    });

    it('shows the key’s name, never the key, as the reviewer', async () => {
      const res = await t.gql<{ submitQuote: { message: { id: string } } }>(
        'mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { message { id } } }',
        { input: { submission: SUBMISSION } },
        'adm-key',
      );
      expect(JSON.stringify(res)).not.toContain('adm-key');
    });
  });
});

describe('rate limit', () => {
  it('refuses a flood from one key with RATE_LIMITED and keeps serving others', async () => {
    const limited = await startTestServer({
      API_KEYS: KEYS,
      RATE_LIMIT_PER_SECOND: '5',
      WORKER_CONCURRENCY: '0',
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => limited.gql('{ queueStats { maxSize } }', {}, 'sub-key-1')),
      );
      const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK');
      expect(codes).toContain('RATE_LIMITED');
      expect(codes).toContain('OK');
      expect((await limited.gql('{ queueStats { maxSize } }', {}, 'rev-key')).errors).toBeUndefined();
    } finally {
      await limited.stop();
    }
  });
});
