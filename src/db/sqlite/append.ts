// The outbox write: a transaction's events (with the attempts they end), status-count moves and attempt buckets,
// written last inside it with a few set-based statements, so every event is in the transaction of its change.
import type Database from 'better-sqlite3';
import type { WriteTx } from './transaction.js';

/** Rows per multi-row INSERT: statements are prepared per row count, so the count is capped. */
const CHUNK = 50;
const EVENT_COLUMNS = [
  'message_id',
  'message_seq',
  'version',
  'at',
  'kind',
  'snapshot',
  'payload',
  // The attempt the change ended, if any (see tables.ts).
  'attempt',
  'attempt_worker',
  'attempt_started_at',
  'attempt_outcome',
  'attempt_error',
];
/** Buckets older than this many (an hour) are dropped. */
const BUCKETS_KEPT = 360;

/**
 * Prepares the outbox write on a connection. A multi-row INSERT into the AUTOINCREMENT event table takes
 * consecutive rowids under the write lock and updates `sqlite_sequence` once per statement. Status counts are kept
 * exact here: the store's writes are the only writes to `messages`.
 */
export type AppendStatements = ReturnType<typeof prepareAppend>;

export function prepareAppend(db: Database.Database) {
  const move = db.prepare('UPDATE status_counts SET n = n + ? WHERE status = ?');
  const addToBucket = db.prepare(`INSERT INTO attempt_buckets (bucket, n, failed, completed, completed_ms)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (bucket) DO UPDATE SET n = n + excluded.n, failed = failed + excluded.failed,
      completed = completed + excluded.completed, completed_ms = completed_ms + excluded.completed_ms`);
  const dropBuckets = db.prepare('DELETE FROM attempt_buckets WHERE bucket < ?');
  const inserts = new Map<number, Database.Statement>();
  /** The newest bucket this connection wrote: when a later one starts, buckets past any use are dropped. */
  let lastBucket = 0;

  /** `INSERT INTO message_events ... VALUES (...), ...` for `rows` rows, prepared on first use. */
  const insertOf = (rows: number): Database.Statement => {
    let statement = inserts.get(rows);
    if (!statement) {
      const one = `(${EVENT_COLUMNS.map(() => '?').join(', ')})`;
      statement = db.prepare(
        `INSERT INTO message_events (${EVENT_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')}`,
      );
      inserts.set(rows, statement);
    }
    return statement;
  };

  /** (the transaction's context) -> nothing; sets each published event's seq. Called last inside the transaction. */
  return function flush(tx: WriteTx): void {
    const events = tx.events;
    const width = EVENT_COLUMNS.length;
    for (let start = 0; start < events.length; start += CHUNK * width) {
      const part = events.length <= CHUNK * width ? events : events.slice(start, start + CHUNK * width);
      const rows = part.length / width;
      // Spread rather than one array argument: better-sqlite3 reads arguments directly, an array element by element.
      const { lastInsertRowid } = insertOf(rows).run(...part);
      const first = Number(lastInsertRowid) - rows + 1;
      const published = tx.published;
      if (published) {
        const at = start / width;
        for (let i = 0; i < rows; i++) published[at + i]!.seq = first + i;
      }
    }
    for (const [status, n] of tx.counts) if (n !== 0) move.run(n, status);
    for (const [key, b] of tx.buckets) {
      addToBucket.run(key, b.n, b.failed, b.completed, b.completedMs);
      if (key > lastBucket) {
        // Once per bucket (10 s) per connection: an hour of buckets is kept, far more than the 5 minutes read.
        if (lastBucket !== 0) dropBuckets.run(key - BUCKETS_KEPT);
        lastBucket = key;
      }
    }
  };
}
