// Upkeep: priority aging of waiting messages, and retention (finished messages removed with their history).
import type Database from 'better-sqlite3';
import type { AppendStatements } from './append.js';
import { FINISHED_INDEX_TERM } from './tables.js';
import { WriteTx } from './transaction.js';

/**
 * How far the clocks of processes sharing the file may disagree. Retention finds its rows by seq, which follows
 * created_at only as far as the writers' clocks agree; the search reaches back this much further, and the exact
 * time filter still decides. The recent attempts (stats.ts) count this far past now.
 */
export const CLOCK_SKEW_MS = 60_000;

export function prepareMaintenance(db: Database.Database, flush: AppendStatements, afterCommit: () => void) {
  // JS numbers bind as REAL, so the division is cast: a rank is a whole level, never 3.00003.
  const age = db.prepare(`UPDATE messages
    SET effective_priority = MIN(4, priority + CAST((@now - queued_at) / @aging AS INTEGER))
    WHERE status = 'PENDING' AND effective_priority < 4 AND queued_at <= @now - @aging
      AND MIN(4, priority + CAST((@now - queued_at) / @aging AS INTEGER)) > effective_priority`);
  // Probes of the search by time (firstSeqFrom): one rowid seek each.
  const messageAt = db.prepare(
    'SELECT seq, created_at AS at FROM messages WHERE seq >= ? ORDER BY seq LIMIT 1',
  );
  const lastMessageSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM messages').pluck();
  // Walks messages_finished_idx (its literal term beside the two statuses purged) up to a seq found by time:
  // a message finished before the cut-off was created before it. Dead letters (FAILED) are never walked.
  const purgeBatch = db.prepare(`SELECT seq, id, status FROM messages INDEXED BY messages_finished_idx
    WHERE ${FINISHED_INDEX_TERM} AND status IN ('COMPLETED', 'CANCELLED')
      AND seq < ? AND completed_at < ? AND review_state <> 'PENDING' LIMIT 500`);
  const purgeEvents = db.prepare('DELETE FROM message_events WHERE message_seq = ?');
  const purgeAttempts = db.prepare('DELETE FROM attempts WHERE message_seq = ?');
  const purgeMessage = db.prepare('DELETE FROM messages WHERE seq = ?');
  // Short batches, each its own transaction, so clean-up never holds the write lock for long.
  const purgeSome = db.transaction((below: number, cutoff: number): number => {
    const tx = new WriteTx(false);
    const rows = purgeBatch.all(below, cutoff) as { seq: number; id: string; status: string }[];
    for (const r of rows) {
      purgeEvents.run(r.seq);
      purgeAttempts.run(r.seq);
      purgeMessage.run(r.seq);
      tx.moved(r.status, null);
    }
    flush(tx);
    return rows.length;
  });

  return {
    /** (now in ms, aging step in ms) -> how many PENDING messages rose one or more levels. */
    agePriorities(now: number, agingMs: number): number {
      return age.run({ now, aging: agingMs }).changes;
    },
    /** (cut-off in ms) -> how many finished messages (no review pending, no dead letters) ended before it and were removed. */
    purge(cutoff: number): number {
      const below = firstSeqFrom(messageAt, lastMessageSeq.get() as number, cutoff + CLOCK_SKEW_MS);
      let total = 0;
      for (let n = purgeSome.immediate(below, cutoff); n > 0; n = purgeSome.immediate(below, cutoff)) {
        total += n;
        afterCommit();
      }
      return total;
    },
  };
}

/**
 * The first seq (up to last + 1) whose row's time is at or after `at`, by binary search over seq: rows are
 * written in time order, so this costs a few dozen rowid seeks where an index on the time would be moved by
 * every write. Gaps left by purged rows are stepped over; rows out of order by clock skew only shift the answer,
 * which callers allow for.
 */
function firstSeqFrom(probe: Database.Statement, last: number, at: number): number {
  let lo = 1;
  let hi = last + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const row = probe.get(mid) as { seq: number; at: number } | undefined;
    if (row === undefined || row.at >= at) hi = mid;
    else lo = row.seq + 1;
  }
  return lo;
}
