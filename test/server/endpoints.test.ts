// The HTTP surface around GraphQL: health, metrics, GraphiQL, the web page, queries by GET, SSE by GET.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { recordEvents, SUBMISSION, SUBMIT, startTestServer, type TestServer } from '../helpers/server.js';

describe.each(ENGINES)('endpoints on %s', (engine) => {
  let t: TestServer;
  let base: string;
  beforeAll(async () => {
    t = await startTestServer({}, { engine });
    base = t.url.replace('/graphql', '');
  });
  afterAll(() => t.stop());

  describe('endpoints', () => {
    it('/health answers 200 with JSON', async () => {
      const res = await fetch(`${base}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    });

    it('/metrics shows queue depth, attempts and request durations in Prometheus text', async () => {
      const events = recordEvents(t.runtime);
      const res = await t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
        input: { submission: SUBMISSION },
      });
      const id = res.data!.submitQuote.messageId;
      await events.waitFor((e) => e.messageId === id && e.kind === 'completed');
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/quote_queue_messages\{status="COMPLETED"\} [1-9]/);
      expect(text).toMatch(/quote_queue_pending\{priority="URGENT"\} 0/);
      expect(text).toMatch(/quote_queue_attempts_total\{outcome="COMPLETED"\} [1-9]/);
      expect(text).toMatch(/quote_queue_processing_seconds_bucket/);
      expect(text).toMatch(/quote_queue_open_subscriptions 0/);
      expect(text).toMatch(
        /quote_queue_http_request_seconds_count\{method="POST",route="\/graphql",status="200"\}/,
      );
    });

    it('serves GraphiQL to a browser at GET /graphql, from local assets', async () => {
      const res = await fetch(t.url, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('YogaGraphiQL');
      expect(html).not.toMatch(/<script[^>]+src="https?:/);
    });

    it('serves the web client (or, before it is built, a plain page) at GET /', async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toMatch(/<html/i);
    });

    it('serves nothing outside the web client for other paths', async () => {
      expect((await fetch(`${base}/..%2f..%2fpackage.json`)).status).toBe(404);
      expect((await fetch(`${base}/no-such-file.js`)).status).toBe(404);
    });

    it('answers queries by GET (with the CSRF-prevention header)', async () => {
      const res = await fetch(`${t.url}?query=${encodeURIComponent('{ queueStats { maxSize } }')}`, {
        headers: { 'x-graphql-yoga-csrf': '1' },
      });
      expect(await res.json()).toEqual({ data: { queueStats: { maxSize: 1000 } } });
    });

    it('streams a subscription over SSE by GET', async () => {
      const q = encodeURIComponent('subscription { queueStats { maxSize } }');
      const abort = new AbortController();
      const res = await fetch(`${t.url}?query=${q}`, {
        headers: { accept: 'text/event-stream', 'x-graphql-yoga-csrf': '1' },
        signal: abort.signal,
      });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('"maxSize":1000')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toContain('event: next');
      abort.abort();
    });

    it('refuses a WebSocket from another origin', async () => {
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws', {
        headers: { origin: 'http://evil.example' },
      });
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
      });
      expect(status).toBe(403);
    });
  });
});
