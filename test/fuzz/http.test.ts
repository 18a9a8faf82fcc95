// Fuzzing GraphQL over HTTP: random schema documents, hostile documents and malformed bodies, by POST and
// GET. Every answer is JSON with coded errors and no internals; the service never stops answering /health.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectGraphQLBody, expectNoLeak, runCount, watchHealth } from './checks.js';
import { anyRequest } from './documents.js';

describe.each(ENGINES)('fuzzing over HTTP on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ WORKER_CONCURRENCY: '1' }, { engine });
  });
  afterAll(() => t.stop());

  const brokenBody = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constantFrom(
      '',
      '{',
      '{"query":',
      'null',
      '[]',
      '[{"query":"{__typename}"}]',
      '{"query":"{__typename}"}}',
    ),
    fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n)),
  );

  /**
   * Requests per test: a count, not a time box, so a loaded machine fuzzes as much as an idle one (~1.3 s idle,
   * ~70 ms a request under CI's load, hence the test's 60 s bound).
   */
  const RUNS = 200;
  /** Plain HTTP asks for one JSON answer (a stream is what test/fuzz/sse.test.ts asks for). */
  const JSON_ONLY = { accept: 'application/graphql-response+json, application/json' };

  describe('fuzzing over HTTP', () => {
    it('answers every request with coded errors, no leaks, and keeps /health under a second', async () => {
      const base = t.url.replace('/graphql', '');
      const health = watchHealth(base);
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            {
              weight: 4,
              arbitrary: anyRequest.map((r) => ({ kind: 'post' as const, body: JSON.stringify(r) })),
            },
            {
              weight: 1,
              arbitrary: anyRequest.map((r) => ({ kind: 'get' as const, body: JSON.stringify(r) })),
            },
            { weight: 1, arbitrary: brokenBody.map((body) => ({ kind: 'post' as const, body })) },
          ),
          async ({ kind, body }) => {
            runs += 1;
            let res: Response;
            if (kind === 'get') {
              const r = JSON.parse(body) as { query?: unknown; variables?: unknown };
              const params = new URLSearchParams({ query: String(r.query ?? '') });
              if (r.variables !== undefined) params.set('variables', JSON.stringify(r.variables));
              res = await fetch(`${t.url}?${params}`, {
                // The CSRF-prevention header, so the documents reach the parser rather than a refusal.
                headers: { ...JSON_ONLY, 'x-graphql-yoga-csrf': '1' },
                signal: AbortSignal.timeout(5000),
              });
            } else {
              res = await fetch(t.url, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...JSON_ONLY },
                body,
                signal: AbortSignal.timeout(5000),
              });
            }
            const text = await res.text();
            expect(res.status, text.slice(0, 300)).toBeLessThan(500);
            if (res.status === 404) return expectNoLeak(text, body);
            expectGraphQLBody(text, body);
          },
        ),
        runCount(RUNS, process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined),
      );
      const { slowestMs, failures, answers } = await health.stop();
      expect(runs).toBe(RUNS);
      expect(failures).toEqual([]);
      expect(answers).toBeGreaterThan(5);
      expect(slowestMs).toBeLessThan(1000);
    }, 60_000);
  });
});
