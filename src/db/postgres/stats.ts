// The queue's figures: counts by status (status_counts), the waiting and running extremes, recent attempts.
import type { Sql } from 'postgres';
import { priorityOf } from '../../queue/priority.js';
import type { Priority, QueueStats } from '../../queue/types.js';
import { BUCKET_MS } from '../tally.js';

const RECENT_MS = 5 * 60_000;
/** Attempts ended this far past now still count as recent: the clocks of the processes sharing the database may differ. */
const CLOCK_SKEW_MS = 60_000;

/** Every figure, read in one round trip (pipelined). */
export async function stats(sql: Sql, now: number, maxSize: number): Promise<QueueStats> {
  const from = Math.floor((now - RECENT_MS) / BUCKET_MS);
  const to = Math.floor((now + CLOCK_SKEW_MS) / BUCKET_MS);
  const [counts, byPriority, [extremes], [recent]] = await Promise.all([
    sql<{ status: string; n: number }[]>`SELECT status, n FROM status_counts`,
    sql<{ priority: number; n: number }[]>`SELECT priority, COUNT(*)::int4 AS n FROM messages
      WHERE status = 'PENDING' GROUP BY priority`,
    sql<
      {
        oldest: number | null;
        started: number | null;
        retries: number;
        scheduled: number;
        next: number | null;
        review: number;
      }[]
    >`SELECT
      (SELECT MIN(created_at) FROM messages WHERE status = 'PENDING') AS oldest,
      (SELECT MIN(started_at) FROM messages WHERE status = 'PROCESSING') AS started,
      w.retries, w.scheduled, w.next,
      (SELECT COUNT(*)::int4 FROM messages WHERE review_state = 'PENDING') AS review
      FROM (SELECT COUNT(*) FILTER (WHERE next_attempt_at > ${now})::int4 AS retries,
          COUNT(*) FILTER (WHERE next_attempt_at IS NULL AND attempts = 0 AND run_at > ${now})::int4 AS scheduled,
          MIN(run_at) FILTER (WHERE next_attempt_at IS NULL AND attempts = 0 AND run_at > ${now}) AS next
        FROM messages WHERE status = 'PENDING') w`,
    sql<{ n: number; failed: number | null; mean: number | null }[]>`SELECT COALESCE(SUM(n), 0)::int8 AS n,
      SUM(failed)::int8 AS failed, (SUM(completed_ms)::float8 / NULLIF(SUM(completed), 0)) AS mean
      FROM attempt_buckets WHERE bucket BETWEEN ${from} AND ${to}`,
  ]);
  const count = Object.fromEntries(counts.map((r) => [r.status, r.n])) as Record<string, number>;
  const pendingByPriority: Record<Priority, number> = { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
  for (const r of byPriority) pendingByPriority[priorityOf(r.priority)] = r.n;
  const failed = count.FAILED ?? 0;
  return {
    pendingCount: count.PENDING ?? 0,
    processingCount: count.PROCESSING ?? 0,
    completedCount: count.COMPLETED ?? 0,
    failedCount: failed,
    cancelledCount: count.CANCELLED ?? 0,
    // FAILED always means dead-lettered (a retry waits as PENDING), so the two counts are one figure.
    deadLetterCount: failed,
    maxSize,
    oldestPending: extremes!.oldest === null ? null : new Date(extremes!.oldest),
    longestProcessing: extremes!.started === null ? null : Math.max(0, (now - extremes!.started) / 1000),
    pendingByPriority,
    meanProcessingMs: recent!.mean,
    recentErrorRate: recent!.n > 0 ? (recent!.failed ?? 0) / recent!.n : null,
    recentAttempts: recent!.n,
    scheduledRetries: extremes!.retries,
    scheduledCount: extremes!.scheduled,
    nextScheduledAt: extremes!.next === null ? null : new Date(extremes!.next),
    reviewPendingCount: extremes!.review,
  };
}
