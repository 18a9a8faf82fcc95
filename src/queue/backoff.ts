// How long a failed attempt waits before its retry: exponential, with jitter, capped.

export const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * The wait before retry number `retry` (1 for the first): `baseMs * 2^(retry-1)`, spread by ±20% so that
 * messages that failed together do not retry together, and never above 5 minutes.
 * @param random a number in [0, 1), injectable for tests.
 */
export function backoffMs(retry: number, baseMs: number, random: number = Math.random()): number {
  const exponential = baseMs * 2 ** Math.max(0, retry - 1);
  const jittered = exponential * (0.8 + 0.4 * random);
  return Math.round(Math.min(MAX_BACKOFF_MS, jittered));
}
