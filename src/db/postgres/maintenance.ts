// Upkeep: priority aging and retention.
import type { Sql } from 'postgres';
import type { Tx } from './tx.js';

/** Raises the effective priority of messages PENDING for `agingMs` or longer, one level per step, up to 4. */
export async function agePriorities(sql: Sql, now: number, agingMs: number): Promise<number> {
  const result = await sql`UPDATE messages
    SET effective_priority = LEAST(4, priority + (${now}::int8 - queued_at) / ${agingMs}::int8)
    WHERE status = 'PENDING' AND effective_priority < 4 AND queued_at <= ${now}::int8 - ${agingMs}::int8
      AND LEAST(4, priority + (${now}::int8 - queued_at) / ${agingMs}::int8) > effective_priority`;
  return result.count;
}

/**
 * One batch of retention: up to 500 COMPLETED (no review pending) and CANCELLED messages that ended before
 * `cutoff`, deleted with their events, locked with SKIP LOCKED so a message being changed is left for the next
 * round. Returns how many went; the caller commits each batch on its own, so clean-up never holds locks long.
 */
export async function purgeBatch(tx: Tx, cutoff: number): Promise<number> {
  const { sql } = tx;
  const rows = await sql<{ seq: number; status: string }[]>`SELECT seq, status FROM messages
    WHERE status IN ('COMPLETED', 'CANCELLED') AND completed_at < ${cutoff} AND review_state <> 'PENDING'
    ORDER BY seq LIMIT 500 FOR UPDATE SKIP LOCKED`;
  if (rows.length === 0) return 0;
  const seqs = sql.array(rows.map((r) => r.seq));
  await Promise.all([
    sql`DELETE FROM message_events WHERE message_seq = ANY(${seqs}::int8[])`,
    sql`DELETE FROM messages WHERE seq = ANY(${seqs}::int8[])`,
  ]);
  for (const r of rows) tx.moved(r.status, null);
  return rows.length;
}
