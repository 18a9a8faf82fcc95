// Figures of the queue: counts and times for the stats, a message's place in line, the next retry due.
import type Database from 'better-sqlite3';
import { dueAt } from '../../queue/due.js';
import { priorityOf } from '../../queue/priority.js';
import type { Priority, QueueStats } from '../../queue/types.js';
import { dueTerm } from '../due.js';
import { type MessageRow, rowToMessage } from '../rows.js';
import { BUCKET_MS } from '../tally.js';
import { CLOCK_SKEW_MS } from './maintenance.js';
import { CLAIM_INDEX_TERM } from './tables.js';

const RECENT_MS = 5 * 60_000;

export function prepareStats(db: Database.Database) {
  const counts = db.prepare('SELECT status, n FROM status_counts');
  const pendingByPriority = db.prepare(
    "SELECT priority, COUNT(*) AS n FROM messages WHERE status = 'PENDING' GROUP BY priority",
  );
  const oldestPending = db.prepare("SELECT MIN(created_at) AS at FROM messages WHERE status = 'PENDING'");
  const oldestStarted = db.prepare("SELECT MIN(started_at) AS at FROM messages WHERE status = 'PROCESSING'");
  // By the messages' own times, not by due_at: a message a process with a later clock already moved into the claim
  // index is still waiting by this one's (src/db/due.ts). Over the PENDING messages, as pendingByPriority is.
  const scheduled = db.prepare(`SELECT
      COUNT(*) FILTER (WHERE next_attempt_at > @now) AS retries,
      COUNT(*) FILTER (WHERE next_attempt_at IS NULL AND attempts = 0 AND run_at > @now) AS submissions,
      MIN(run_at) FILTER (WHERE next_attempt_at IS NULL AND attempts = 0 AND run_at > @now) AS next
    FROM messages WHERE status = 'PENDING'`);
  const reviewPending = db.prepare(
    "SELECT COUNT(*) AS n FROM messages INDEXED BY messages_review_idx WHERE review_state = 'PENDING'",
  );
  // The buckets of the window (attempt_buckets, tables.ts): 31 rows at most, whatever the throughput.
  const recent = db.prepare(`SELECT COALESCE(SUM(n), 0) AS n, SUM(failed) AS failed,
      SUM(completed_ms) * 1.0 / NULLIF(SUM(completed), 0) AS mean
    FROM attempt_buckets WHERE bucket BETWEEN ? AND ?`);
  const byId = db.prepare('SELECT * FROM messages WHERE id = ?');
  // The due messages ahead: those in messages_claim_idx, and those due but not yet moved into it by a claim.
  const position = db.prepare(`SELECT
      (SELECT COUNT(*) FROM messages INDEXED BY messages_claim_idx
        WHERE ${CLAIM_INDEX_TERM} AND ${dueTerm('@now')} AND (effective_priority > @p
          OR (effective_priority = @p AND (fair_round < @r OR (fair_round = @r AND seq < @seq)))))
    + (SELECT COUNT(*) FROM messages INDEXED BY messages_due_idx
        WHERE due_at IS NOT NULL AND due_at <= @now
          AND (effective_priority > @p
            OR (effective_priority = @p AND (fair_round < @r OR (fair_round = @r AND seq < @seq))))) AS n`);
  const nextDue = db.prepare(
    `SELECT MIN(at) AS at FROM (SELECT COALESCE(next_attempt_at, CASE WHEN attempts = 0 THEN run_at END) AS at
      FROM messages WHERE status = 'PENDING') WHERE at > ?`,
  );

  return {
    /** (now, the capacity) -> counts by status and priority, the oldest waiting, the last five minutes' attempts. */
    stats(now: Date, maxSize: number): QueueStats {
      const byStatus = Object.fromEntries(
        (counts.all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
      ) as Record<string, number>;
      const byPriority: Record<Priority, number> = { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
      for (const r of pendingByPriority.all() as { priority: number; n: number }[]) {
        byPriority[priorityOf(r.priority)] = r.n;
      }
      const oldest = (oldestPending.get() as { at: number | null }).at;
      const started = (oldestStarted.get() as { at: number | null }).at;
      const since = now.getTime() - RECENT_MS;
      // From the bucket holding `since` (up to 10 s more than the 5 minutes) to now, and a minute past it for the
      // attempts of a writer whose clock leads.
      const from = Math.floor(since / BUCKET_MS);
      const to = Math.floor((now.getTime() + CLOCK_SKEW_MS) / BUCKET_MS);
      const window = recent.get(from, to) as { n: number; failed: number | null; mean: number | null };
      const waiting = scheduled.get({ now: now.getTime() }) as {
        retries: number;
        submissions: number;
        next: number | null;
      };
      const failed = byStatus.FAILED ?? 0;
      return {
        pendingCount: byStatus.PENDING ?? 0,
        processingCount: byStatus.PROCESSING ?? 0,
        completedCount: byStatus.COMPLETED ?? 0,
        failedCount: failed,
        cancelledCount: byStatus.CANCELLED ?? 0,
        // FAILED always means dead-lettered (a retry waits as PENDING), so the two counts are one figure.
        deadLetterCount: failed,
        maxSize,
        oldestPending: oldest === null ? null : new Date(oldest),
        longestProcessing: started === null ? null : Math.max(0, (now.getTime() - started) / 1000),
        pendingByPriority: byPriority,
        meanProcessingMs: window.mean,
        recentErrorRate: window.n > 0 ? (window.failed ?? 0) / window.n : null,
        recentAttempts: window.n,
        scheduledRetries: waiting.retries,
        scheduledCount: waiting.submissions,
        nextScheduledAt: waiting.next === null ? null : new Date(waiting.next),
        reviewPendingCount: (reviewPending.get() as { n: number }).n,
      };
    },
    /** (id, now) -> 1 for the next to be taken among PENDING messages due now; null unless it is PENDING and due. */
    queuePosition(id: string, now: Date): number | null {
      const row = byId.get(id) as MessageRow | undefined;
      const t = now.getTime();
      if (row?.status !== 'PENDING' || (dueAt(rowToMessage(row))?.getTime() ?? 0) > t) return null;
      const ahead = position.get({ p: row.effective_priority, r: row.fair_round, seq: row.seq, now: t }) as {
        n: number;
      };
      return ahead.n + 1;
    },
    /** (now) -> the earliest time a PENDING message not yet due becomes due (a retry or a scheduled one), or null. */
    nextDueAt(now: Date): Date | null {
      const at = (nextDue.get(now.getTime()) as { at: number | null }).at;
      return at === null ? null : new Date(at);
    },
  };
}
