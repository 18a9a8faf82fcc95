// messageStatus and queueStats, over WebSocket (graphql-ws) and SSE, on each engine: every version in order, ending at
// final.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import {
  collectSse,
  collectWs,
  MESSAGE_STATUS,
  nextPayloads,
  type Status,
  SUBMISSION,
  SUBMIT,
  type Submitted,
  startTestServer,
  submitPaused as submitPausedOn,
  type TestServer,
  waitForEvent,
} from '../helpers/server.js';

describe.each(ENGINES)('subscriptions on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ALLOW_FAULT_INJECTION: 'true', WORKER_CONCURRENCY: '2' }, { engine });
  });
  afterAll(() => t.stop());

  const submitPaused = (input?: Record<string, unknown>) => submitPausedOn(t, input);

  function versions(values: Status[]): number[] {
    return values.map((v) => v.messageStatus.version);
  }

  function expectConsecutive(list: number[], from: number): void {
    expect(list).toEqual(list.map((_, i) => from + i));
  }

  describe('messageStatus over WebSocket', () => {
    it('sends the message now, then every version in order, and completes once final', async () => {
      const id = await submitPaused();
      const client = t.ws();
      const done = collectWs<Status>(client, MESSAGE_STATUS, { id }, (_v, all) => {
        if (all.length === 1) t.runtime.worker?.resume();
      });
      const values = await done;
      expect(values[0]!.messageStatus.status).toBe('PENDING');
      expectConsecutive(versions(values), 1);
      expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
    });

    it('replays every version after afterVersion, then ends when the message is already final', async () => {
      t.runtime.worker?.resume();
      const res = await t.gql<{ runQuote: { id: string; version: number; status: string } }>(
        'mutation($input: RunQuoteInput!) { runQuote(input: $input) { id version status } }',
        { input: { submission: SUBMISSION } },
      );
      const { id, version } = res.data!.runQuote;
      expect(res.data!.runQuote.status).toBe('COMPLETED');
      const values = await collectWs<Status>(t.ws(), MESSAGE_STATUS, { id, afterVersion: 1 });
      expectConsecutive(versions(values), 2);
      expect(versions(values).at(-1)).toBe(version);
      const none = await collectWs<Status>(t.ws(), MESSAGE_STATUS, { id, afterVersion: version });
      expect(none).toEqual([]);
    });

    it('gives a subscription opened mid-processing the running version and every one after', async () => {
      t.runtime.worker?.resume();
      const claimed = waitForEvent(t.runtime, (e) => e.kind === 'claimed').then((e) => e.messageId);
      await t.gql(SUBMIT, { input: { submission: SUBMISSION, simulate: { processingMs: 300 } } });
      const id = await claimed;
      const values = await collectWs<Status>(t.ws(), MESSAGE_STATUS, { id });
      expect(values[0]!.messageStatus.status).toBe('PROCESSING');
      expectConsecutive(versions(values), values[0]!.messageStatus.version);
      expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
    });

    it('sends every version to 100 subscribers of one message', async () => {
      const id = await submitPaused({ maxRetries: 2, simulate: { failAttempts: 2 } });
      const client = t.ws();
      const all = Array.from({ length: 100 }, () => collectWs<Status>(client, MESSAGE_STATUS, { id }));
      await waitFor(() => t.server.openSubscriptions >= 100);
      t.runtime.worker?.resume();
      const results = await Promise.all(all);
      const expected = versions(results[0]!);
      expectConsecutive(expected, 1);
      expect(results[0]!.at(-1)!.messageStatus.status).toBe('COMPLETED');
      for (const values of results) expect(versions(values)).toEqual(expected);
    });

    it('follows a quote through review until a reviewer answers', async () => {
      t.runtime.worker?.resume();
      const res = await t.gql<Submitted>(SUBMIT, {
        input: { submission: { ...SUBMISSION, coverageAmount: 2_000_000 } },
      });
      const id = res.data!.submitQuote.messageId;
      const done = collectWs<Status>(t.ws(), MESSAGE_STATUS, { id }, (v) => {
        if (v.messageStatus.review.state === 'PENDING') {
          void t.gql('mutation($id: ID!) { reviewQuote(id: $id, action: APPROVE, notes: "ok") { id } }', {
            id,
          });
        }
      });
      const values = await done;
      expect(values.at(-1)!.messageStatus.review.state).toBe('APPROVED');
      expectConsecutive(versions(values), values[0]!.messageStatus.version);
    });

    it('answers an unknown id with NOT_FOUND', async () => {
      await expect(collectWs(t.ws(), MESSAGE_STATUS, { id: 'no-such-id' })).rejects.toMatchObject({
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
      });
    });

    it('releases its listeners when the client goes away', async () => {
      const before = t.runtime.events.listenerCount();
      const id = await submitPaused();
      const client = t.ws();
      let first: () => void = () => {};
      const gotFirst = new Promise<void>((resolve) => {
        first = resolve;
      });
      const unsubscribe = client.subscribe(
        { query: MESSAGE_STATUS, variables: { id } },
        { next: () => first(), error: () => {}, complete: () => {} },
      );
      await gotFirst;
      expect(t.runtime.events.listenerCount()).toBe(before + 1);
      unsubscribe();
      await waitFor(() => t.runtime.events.listenerCount() === before && t.server.openSubscriptions === 0);
      await client.dispose();
      t.runtime.worker?.resume();
    });
  });

  describe('messageStatus over SSE', () => {
    it('sends every version in order and completes', async () => {
      const id = await submitPaused();
      const stream = collectSse(t.url, MESSAGE_STATUS, { id });
      await waitFor(() => t.server.openSubscriptions >= 1);
      t.runtime.worker?.resume();
      const payloads = nextPayloads<Status>(await stream);
      const values = payloads.map((p) => p.data!);
      expectConsecutive(versions(values), 1);
      expect(values.at(-1)!.messageStatus.status).toBe('COMPLETED');
    });

    it('releases its listeners when the client disconnects', async () => {
      const before = t.runtime.events.listenerCount();
      const id = await submitPaused();
      const abort = new AbortController();
      const stream = collectSse(t.url, MESSAGE_STATUS, { id }, undefined, abort.signal).catch(() => []);
      await waitFor(() => t.runtime.events.listenerCount() === before + 1);
      abort.abort();
      await stream;
      await waitFor(() => t.runtime.events.listenerCount() === before && t.server.openSubscriptions === 0);
      t.runtime.worker?.resume();
    });
  });

  describe('queueStats subscription', () => {
    it('sends the figures now and again after a change', async () => {
      t.runtime.worker?.resume();
      // The message the test before left paused is taken now (later on a database server): start from an idle
      // queue, so the next figure moves by this test's message alone.
      for (const until = Date.now() + 10_000; ; ) {
        const s = await t.runtime.store.stats(new Date(), 1);
        if (s.pendingCount + s.processingCount === 0) break;
        if (Date.now() > until) throw new Error('the queue never went idle');
        await new Promise((r) => setTimeout(r, 10));
      }
      const client = t.ws();
      type Stats = { queueStats: { completedCount: number } };
      let submitted = false;
      let baseline = -1;
      const values: number[] = [];
      await new Promise<void>((resolve, reject) => {
        const stop = client.subscribe<Stats>(
          { query: 'subscription { queueStats { completedCount pendingCount } }' },
          {
            next: (r) => {
              const count = r.data!.queueStats.completedCount;
              values.push(count);
              if (!submitted) {
                submitted = true;
                baseline = count;
                void t.gql(SUBMIT, { input: { submission: SUBMISSION } });
              } else if (count > baseline) {
                stop();
                resolve();
              }
            },
            error: reject,
            complete: () => {},
          },
        );
      });
      expect(values.at(-1)).toBe(baseline + 1);
    });
  });

  async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    // Server-side counts have no event to await from the test; poll them. The bound is generous: on a loaded CI
    // machine the server's side of a closed stream (a PostgreSQL read in flight) can take seconds to unwind.
    const until = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > until) throw new Error('condition not reached');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  void waitForEvent;
});
