// How long a failed webhook call waits before the next: exponential from the base, capped at an hour, with jitter.

export const MAX_WEBHOOK_BACKOFF_MS = 3_600_000;
/** How long a delivery is retried before it is kept as FAILED (and may be redelivered). */
export const RETRY_WINDOW_MS = 24 * 3_600_000;

/**
 * The wait after call number `attempt` failed: `baseMs * 2^(attempt-1)` capped at an hour, then a random share of
 * it between a half and all of it, so endpoints that failed together are not all called again together.
 * @param random a number in [0, 1), injectable for tests.
 */
export function webhookBackoffMs(attempt: number, baseMs: number, random: number = Math.random()): number {
  const exponential = Math.min(MAX_WEBHOOK_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + 0.5 * random));
}
