// What every fuzzed answer must satisfy, whatever was asked: JSON with errors that carry a contract code, no
// unexpected (masked) failure, nothing internal leaked; and /health keeps answering within a second.
import { expect } from 'vitest';
import { ERROR_CODES } from '../../src/queue/errors.js';

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** Traces of internals: stack frames, source files, paths, SQL and the engine's error names. */
const LEAKS = [
  /\bat [\w$.<>]+ \(/,
  // Bounded: `[\w-]+` before the dot tried from every position of a long word (a fuzzed 50 KB id echoed back) is
  // quadratic, and at 1.1 s it stalled this process's event loop, the server's included (the /health check failed).
  /[\w-]{1,200}\.(ts|js|mjs|cjs):\d+/,
  /node_modules|\/work\/|\/tmp\/|file:\/\//,
  /sqlite|SQLITE_\w+/i,
  /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/,
  /"stack"/,
];

export interface GraphQLErrorShape {
  message?: unknown;
  extensions?: { code?: unknown };
}

/** Asserts the errors of one GraphQL result have contract codes (never the masked INTERNAL_SERVER_ERROR). */
export function expectCodedErrors(errors: unknown, context: string): void {
  if (errors === undefined) return;
  expect(Array.isArray(errors), context).toBe(true);
  for (const error of errors as GraphQLErrorShape[]) {
    expect(typeof error.message, context).toBe('string');
    expect(CODES.has(String(error.extensions?.code)), `${context}\n${JSON.stringify(error)}`).toBe(true);
  }
}

/** Asserts no internal detail reached the client, unless the client itself sent that text. */
export function expectNoLeak(response: string, request: string): void {
  for (const pattern of LEAKS) {
    const found = pattern.exec(response)?.[0];
    if (found && !request.toLowerCase().includes(found.toLowerCase())) {
      expect.fail(`response leaks ${JSON.stringify(found)}:\n${response.slice(0, 2000)}`);
    }
  }
}

/** A JSON GraphQL response: parsed, with coded errors and no leaks; `data` or `errors` present. */
export function expectGraphQLBody(body: string, request: string): void {
  expectNoLeak(body, request);
  let parsed: { data?: unknown; errors?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new Error(`not JSON: ${JSON.stringify(body.slice(0, 500))} for ${request.slice(0, 300)}`);
  }
  expect('data' in parsed || 'errors' in parsed, body.slice(0, 500)).toBe(true);
  expectCodedErrors(parsed.errors, `request: ${request.slice(0, 500)}`);
}

export interface HealthWatch {
  /** Stops polling; the slowest answer in ms and any failures seen. */
  stop(): Promise<{ slowestMs: number; answers: number; failures: string[] }>;
}

/** Polls /health back to back (one at a time) while fuzzing runs. */
export function watchHealth(base: string): HealthWatch {
  let running = true;
  let slowestMs = 0;
  let answers = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      // One immediate retry on a new connection after a network-level error: a reused keep-alive socket can
      // be closed under a request by either side, which says nothing of the server's health. A second
      // failure, a non-200 or a slow answer (timed across both tries) still fails the test.
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          const res = await fetch(`${base}/health`, {
            signal: AbortSignal.timeout(2000),
            ...(attempt === 2 ? { headers: { connection: 'close' } } : {}),
          });
          await res.arrayBuffer();
          if (res.status !== 200) failures.push(`status ${res.status}`);
          break;
        } catch (error) {
          if (attempt === 2 || (error as Error).name === 'TimeoutError') {
            failures.push(String(error));
            break;
          }
        }
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      answers += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { slowestMs, answers, failures };
    },
  };
}

/** fast-check settings: as many runs as fit in `ms`, then stop (an interrupt is not a failure). */
export function timeBox(ms: number, seed?: number) {
  return { numRuns: 100_000, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, seed };
}

/**
 * fast-check settings: exactly `n` runs. Where a test needs a least amount of fuzzing, a time box would do less
 * of it on a loaded machine (36 runs in 2.5 s under CI's load, against 50 wanted).
 */
export function runCount(n: number, seed?: number) {
  return { numRuns: n, seed };
}
