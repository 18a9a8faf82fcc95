// What one write transaction appends (events, with the attempts they end) and the status counts it moves, written
// at its end with a few set-based statements instead of one statement (and two trigger statements) per change.
import type Database from 'better-sqlite3';
import type { AttemptRecord, MessageEvent } from '../queue/types.js';

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
  // The attempt the change ended, if any (see schema.ts).
  'attempt',
  'attempt_worker',
  'attempt_started_at',
  'attempt_outcome',
  'attempt_error',
];

/** Attempts are counted per this many milliseconds of their end (attempt_buckets.bucket = ended_at / BUCKET_MS). */
export const BUCKET_MS = 10_000;
/** Buckets older than this many (an hour) are dropped. */
const BUCKETS_KEPT = 360;
/** The outcomes that count as errors in the recent error rate. */
const FAILED_OUTCOMES = new Set<string>(['FAILED', 'TIMED_OUT', 'LOST']);

interface Bucket {
  n: number;
  failed: number;
  completed: number;
  completedMs: number;
}

/**
 * Collected inside a write transaction and written by `flush()` before it commits, so every event (and the attempt
 * it ends) is still in the transaction of its change. A multi-row INSERT also updates `sqlite_sequence`
 * (AUTOINCREMENT) once per statement rather than once per row. Status counts are kept exact in the same
 * transaction: the store's writes are the only writes to `messages` (migration 0004 dropped the triggers that did
 * this per row).
 */
export class WriteBatch {
  private events: unknown[] = [];
  /** The appended events handed to listeners after commit (their `seq` is set by flush), or null. */
  private eventObjects: MessageEvent[] | null = null;
  private eventBase = 0;
  private readonly counts = new Map<string, number>();
  /** Attempts ended in this transaction, per 10-second bucket (see attemptBuckets in schema.ts). */
  private readonly buckets = new Map<number, Bucket>();
  /** The newest bucket this connection wrote: when a later one starts, buckets past any use are dropped. */
  private lastBucket = 0;
  private readonly addToBucket: Database.Statement;
  private readonly dropBuckets: Database.Statement;
  private readonly inserts = new Map<string, Database.Statement>();
  private readonly move: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.move = db.prepare('UPDATE status_counts SET n = n + ? WHERE status = ?');
    this.addToBucket = db.prepare(`INSERT INTO attempt_buckets (bucket, n, failed, completed, completed_ms)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (bucket) DO UPDATE SET n = n + excluded.n, failed = failed + excluded.failed,
        completed = completed + excluded.completed, completed_ms = completed_ms + excluded.completed_ms`);
    this.dropBuckets = db.prepare('DELETE FROM attempt_buckets WHERE bucket < ?');
  }

  /** Starts a transaction's batch; `appended` receives its events (with their seq) when listeners want them. */
  begin(appended: MessageEvent[] | null): void {
    this.events = [];
    this.counts.clear();
    this.buckets.clear();
    this.eventObjects = appended;
    this.eventBase = appended?.length ?? 0;
  }

  /** Whether events should be handed to listeners (else `event` needs no `published` object). */
  get publishing(): boolean {
    return this.eventObjects !== null;
  }

  /**
   * An event row; `attempt` is the attempt the change ended, if any; `published` is the event as listeners will
   * see it (its seq is set by flush).
   */
  event(
    messageId: string,
    messageSeq: number,
    version: number,
    at: number,
    kind: string,
    snapshot: string,
    payload: string | null,
    attempt: AttemptRecord | undefined,
    published: MessageEvent | null,
  ): void {
    this.events.push(messageId, messageSeq, version, at, kind, snapshot, payload);
    if (attempt) {
      const { startedAt, outcome, error } = attempt;
      this.events.push(attempt.attempt, attempt.workerId, startedAt.getTime(), outcome, error);
      this.ended(attempt, at);
    } else this.events.push(null, null, null, null, null);
    if (this.eventObjects && published) this.eventObjects.push(published);
  }

  /** Counts an attempt that ended at `at` into its bucket. */
  private ended(attempt: AttemptRecord, at: number): void {
    const key = Math.floor(at / BUCKET_MS);
    let b = this.buckets.get(key);
    if (!b) {
      b = { n: 0, failed: 0, completed: 0, completedMs: 0 };
      this.buckets.set(key, b);
    }
    b.n++;
    if (FAILED_OUTCOMES.has(attempt.outcome)) b.failed++;
    else if (attempt.outcome === 'COMPLETED') {
      b.completed++;
      b.completedMs += at - attempt.startedAt.getTime();
    }
  }

  /** `n` messages moved from status `from` to `to` (null: created or deleted). */
  moved(from: string | null, to: string | null, n = 1): void {
    if (from === to || n === 0) return;
    if (from !== null) this.counts.set(from, (this.counts.get(from) ?? 0) - n);
    if (to !== null) this.counts.set(to, (this.counts.get(to) ?? 0) + n);
  }

  /** PENDING and PROCESSING messages added by this transaction so far (for the capacity check). */
  activeDelta(): number {
    return (this.counts.get('PENDING') ?? 0) + (this.counts.get('PROCESSING') ?? 0);
  }

  /** Writes what the transaction collected; called last inside it. */
  flush(): void {
    const events = this.events;
    const width = EVENT_COLUMNS.length;
    for (let start = 0; start < events.length; start += CHUNK * width) {
      const part = events.length <= CHUNK * width ? events : events.slice(start, start + CHUNK * width);
      const rows = part.length / width;
      // Spread rather than one array argument: better-sqlite3 reads an array's elements through one V8 API call
      // each, arguments directly (~1.02x of a drain with the store's other hot statements, paired runs).
      const { lastInsertRowid } = this.insertOf('message_events', EVENT_COLUMNS, rows).run(...part);
      // One INSERT of k rows into an AUTOINCREMENT table takes k consecutive rowids, under the write lock.
      const first = Number(lastInsertRowid) - rows + 1;
      const objects = this.eventObjects;
      if (objects) {
        const at = this.eventBase + start / width;
        for (let i = 0; i < rows; i++) objects[at + i]!.seq = first + i;
      }
    }
    for (const [status, n] of this.counts) if (n !== 0) this.move.run(n, status);
    for (const [key, b] of this.buckets) {
      this.addToBucket.run(key, b.n, b.failed, b.completed, b.completedMs);
      if (key > this.lastBucket) {
        // Once per bucket (10 s) per connection: an hour of buckets is kept, far more than the 5 minutes read.
        if (this.lastBucket !== 0) this.dropBuckets.run(key - BUCKETS_KEPT);
        this.lastBucket = key;
      }
    }
    this.events = [];
    this.counts.clear();
    this.buckets.clear();
  }

  private insertOf(table: string, columns: string[], rows: number): Database.Statement {
    const key = `${table}:${rows}`;
    let statement = this.inserts.get(key);
    if (!statement) {
      const one = `(${columns.map(() => '?').join(', ')})`;
      statement = this.db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')}`,
      );
      this.inserts.set(key, statement);
    }
    return statement;
  }
}
