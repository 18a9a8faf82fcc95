// The event log: appending a transaction's events in commit order, and reading the log back.
//
// A sequence hands out numbers in the order transactions ask, not the order they commit: a reader could see
// position 11 committed while 10 is still open, pass 11, and never go back for 10. So a transaction appends its
// events last, after taking a transaction-scoped advisory lock that it holds until it commits: positions are
// drawn only by the lock's holder, and the next holder draws after the previous one's commit is visible, so
// positions become visible in increasing order. The lock is held only for these last statements and the commit;
// every row lock the transaction needs is taken before it, so the holder never waits on another writer.
import type { Sql } from 'postgres';
import type { AttemptRecord, MessageEvent } from '../../queue/types.js';
import { type AttemptRow, type EventRow, toAttempt, toEvent } from '../rows.js';
import type { Tx } from './tx.js';

/** The log lock's first key ("qqev"); the second is the schema's hash. */
const LOG_LOCK = 0x71716576;
/** Buckets older than this many (an hour) are dropped. */
const BUCKETS_KEPT = 360;

export interface AppendOptions {
  /** The NOTIFY channel other processes listen on. */
  channel: string;
  /** Sent as the payload: a process ignores its own wake-ups (its events reach it through onAppended). */
  origin: string;
}

/**
 * Writes what the transaction collected and commits: takes the log lock, moves the status counts and attempt
 * buckets, inserts the events (setting each one's `seq`), queues the wake-up and sends `commit`, all pipelined,
 * then awaits them with the transaction's other pipelined statements (Tx.later). Returns the events in log order.
 */
export async function appendLog(
  tx: Tx,
  options: AppendOptions,
  commit: () => Promise<unknown>,
): Promise<MessageEvent[]> {
  if (!tx.dirty) {
    await Promise.all([...tx.pending, commit()]);
    return [];
  }
  const { sql } = tx;
  const counts = [...tx.counts].filter(([, n]) => n !== 0).map(([status, n]) => ({ status, n }));
  const buckets = [...tx.buckets].map(([bucket, b]) => ({ ...b, bucket, completed_ms: b.completedMs }));
  const work: Promise<unknown>[] = [sql`SELECT pg_advisory_xact_lock(${LOG_LOCK}, ${tx.keys.schema})`];
  if (counts.length > 0)
    work.push(sql`UPDATE status_counts s SET n = s.n + d.n
      FROM json_to_recordset(${JSON.stringify(counts)}::text::json) AS d(status text, n int8)
      WHERE s.status = d.status`);
  if (buckets.length > 0) {
    work.push(sql`INSERT INTO attempt_buckets (bucket, n, failed, completed, completed_ms)
      SELECT bucket, n, failed, completed, completed_ms
      FROM json_populate_recordset(null::attempt_buckets, ${JSON.stringify(buckets)}::text::json)
      ON CONFLICT (bucket) DO UPDATE SET n = attempt_buckets.n + excluded.n,
        failed = attempt_buckets.failed + excluded.failed, completed = attempt_buckets.completed + excluded.completed,
        completed_ms = attempt_buckets.completed_ms + excluded.completed_ms`);
    const newest = Math.max(...buckets.map((b) => b.bucket));
    work.push(sql`DELETE FROM attempt_buckets WHERE bucket < ${newest - BUCKETS_KEPT}`);
  }
  let inserted: Promise<{ seq: number; message_id: string; version: number }[]> | undefined;
  if (tx.rows.length > 0) {
    inserted = sql<{ seq: number; message_id: string; version: number }[]>`
      INSERT INTO message_events (message_id, message_seq, version, at, kind, snapshot, payload,
        attempt, attempt_worker, attempt_started_at, attempt_outcome, attempt_error)
      SELECT message_id, message_seq, version, at, kind, snapshot, payload,
        attempt, attempt_worker, attempt_started_at, attempt_outcome, attempt_error
      FROM json_populate_recordset(null::message_events, ${JSON.stringify(tx.rows)}::text::json)
      RETURNING seq, message_id, version`;
    work.push(inserted);
    work.push(sql`SELECT pg_notify(${options.channel}, ${options.origin})`);
  }
  // Sent in order (a query goes out when first awaited), then COMMIT after them.
  const written = Promise.all([...tx.pending, ...work]);
  await Promise.all([written, commit()]);
  if (!inserted) return [];
  const seqs = new Map<string, number>();
  for (const r of await inserted) seqs.set(`${r.version}:${r.message_id}`, r.seq);
  for (const e of tx.events) e.seq = seqs.get(`${e.version}:${e.messageId}`)!;
  return tx.events.sort((a, b) => a.seq - b.seq);
}

/**
 * Events with the payload each stood with: an event without a payload of its own takes the nearest earlier
 * version's (walking message_events_message_seq_version_idx back).
 */
export const EVENT_COLUMNS = `SELECT e.seq, e.message_id, e.version, e.at, e.kind, e.snapshot,
    COALESCE(e.payload, (
      SELECT p.payload FROM message_events p
      WHERE p.message_seq = e.message_seq AND p.version < e.version AND p.payload IS NOT NULL
      ORDER BY p.version DESC LIMIT 1)) AS payload
  FROM message_events e`;

/** Events of all messages after position `seq`, in log order, at most `limit`. */
export async function eventsAfter(sql: Sql, seq: number, limit: number): Promise<MessageEvent[]> {
  const rows = await sql.unsafe<EventRow[]>(
    `${EVENT_COLUMNS} WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`,
    [seq, limit],
    { prepare: true },
  );
  return rows.map(toEvent);
}

/** The message's stored versions after `afterVersion`, in order. */
export async function history(sql: Sql, id: string, afterVersion: number): Promise<MessageEvent[]> {
  const rows = await sql.unsafe<EventRow[]>(
    `${EVENT_COLUMNS} WHERE e.message_seq = (SELECT seq FROM messages WHERE id = $1) AND e.version > $2
      ORDER BY e.version`,
    [id, afterVersion],
    { prepare: true },
  );
  return rows.map(toEvent);
}

/** The newest position in the log (0 when empty). */
export async function lastEventSeq(sql: Sql): Promise<number> {
  const [row] = await sql<{ seq: number }[]>`SELECT COALESCE(MAX(seq), 0)::int8 AS seq FROM message_events`;
  return row!.seq;
}

/** The attempts a message's changes ended, in attempt order. */
export async function attemptsOf(sql: Sql, id: string): Promise<AttemptRecord[]> {
  const rows = await sql<
    AttemptRow[]
  >`SELECT message_id, attempt, attempt_worker AS worker_id, attempt_started_at AS started_at, at AS ended_at,
      attempt_outcome AS outcome, attempt_error AS error
    FROM message_events
    WHERE message_seq = (SELECT seq FROM messages WHERE id = ${id}) AND attempt_outcome IS NOT NULL
    ORDER BY attempt, seq`;
  return rows.map(toAttempt);
}
