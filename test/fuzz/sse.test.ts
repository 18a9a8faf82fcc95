// Fuzzing GraphQL over Server-Sent Events (POST with Accept: text/event-stream): every request gets, within
// a deadline, either an event stream whose first event carries coded errors and no internals, or a coded
// JSON error; /health keeps answering within a second.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectCodedErrors, expectGraphQLBody, expectNoLeak, timeBox, watchHealth } from './checks.js';
import { anyRequest } from './documents.js';

describe.each(ENGINES)('fuzzing over SSE on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ WORKER_CONCURRENCY: '1' }, { engine });
  });
  afterAll(() => t.stop());

  /** Reads the stream up to its first complete event, then hangs up. */
  async function firstEvent(res: Response): Promise<{ event: string; data: string }> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { event: 'end', data: '' };
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
          const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]).join('\n');
          if (data || event !== 'message') return { event, data };
        }
      }
    } finally {
      await reader.cancel();
    }
  }

  describe('fuzzing over SSE', () => {
    it('answers every request with a coded first event or a coded JSON error', async () => {
      const health = watchHealth(t.url.replace('/graphql', ''));
      await fc.assert(
        fc.asyncProperty(anyRequest, async (request) => {
          const body = JSON.stringify(request);
          const abort = AbortSignal.timeout(3000);
          const res = await fetch(t.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
            body,
            signal: abort,
          });
          expect(res.status).toBeLessThan(500);
          if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
            return expectGraphQLBody(await res.text(), body);
          }
          const first = await firstEvent(res);
          expectNoLeak(first.data, body);
          expect(['next', 'complete']).toContain(first.event);
          if (first.event === 'next') {
            expectCodedErrors((JSON.parse(first.data) as { errors?: unknown }).errors, body.slice(0, 500));
          }
        }),
        timeBox(2500),
      );
      const { slowestMs, failures } = await health.stop();
      expect(failures).toEqual([]);
      expect(slowestMs).toBeLessThan(1000);
      // Every stream the client hung up on is released.
      await expect.poll(() => t.server.openSubscriptions, { timeout: 2000 }).toBe(0);
    });
  });
});
