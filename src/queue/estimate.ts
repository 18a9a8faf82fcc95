// A human estimate of how long until a message is done, from its place in line and recent attempt times.

/** Used until the queue has measured its own attempts. */
export const DEFAULT_ATTEMPT_MS = 1000;

/**
 * `position` messages are ahead or equal (1 = next); `workers` run side by side. Rounded up to a phrase
 * such as "about 3 seconds" or "about 2 minutes", since clients show it to people.
 */
export function estimateProcessingTime(
  position: number,
  meanAttemptMs: number | null,
  workers: number,
): string {
  const per = meanAttemptMs ?? DEFAULT_ATTEMPT_MS;
  const rounds = Math.ceil(Math.max(1, position) / Math.max(1, workers));
  const seconds = Math.max(1, Math.ceil((rounds * per) / 1000));
  if (seconds < 60) return `about ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `about ${minutes} minutes`;
  return `about ${Math.ceil(minutes / 60)} hours`;
}
