// What one write transaction appends (events, attempts) and the status counts it moves, written at its end with
// a few set-based statements instead of one statement (and two trigger statements) per change.
import type Database from 'better-sqlite3';
import type { AttemptRecord, MessageEvent } from '../queue/types.js';

/** Rows per multi-row INSERT: statements are prepared per row count, so the count is capped. */
const CHUNK = 50;
const EVENT_COLUMNS = ['message_id', 'message_seq', 'version', 'at', 'kind', 'snapshot', 'payload'];
const ATTEMPT_COLUMNS = [
  'message_id',
  'message_seq',
  'attempt',
  'worker_id',
  'started_at',
  'ended_at',
  'outcome',
  'error',
];

/**
 * Collected inside a write transaction and written by `flush()` before it commits, so every event and attempt
 * is still in the transaction of its change. A multi-row INSERT also updates `sqlite_sequence` (AUTOINCREMENT)
 * once per statement rather than once per row. Status counts are kept exact in the same transaction: the
 * store's writes are the only writes to `messages` (migration 0004 dropped the triggers that did this per row).
 */
export class WriteBatch {
  private events: unknown[] = [];
  /** The appended events handed to listeners after commit (their `seq` is set by flush), or null. */
  private eventObjects: MessageEvent[] | null = null;
  private eventBase = 0;
  private attempts: unknown[] = [];
  private readonly counts = new Map<string, number>();
  private readonly inserts = new Map<string, Database.Statement>();
  private readonly move: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.move = db.prepare('UPDATE status_counts SET n = n + ? WHERE status = ?');
  }

  /** Starts a transaction's batch; `appended` receives its events (with their seq) when listeners want them. */
  begin(appended: MessageEvent[] | null): void {
    this.events = [];
    this.attempts = [];
    this.counts.clear();
    this.eventObjects = appended;
    this.eventBase = appended?.length ?? 0;
  }

  /** Whether events should be handed to listeners (else `event` needs no `published` object). */
  get publishing(): boolean {
    return this.eventObjects !== null;
  }

  /** An event row; `published` is the event as listeners will see it (its seq is set by flush). */
  event(
    messageId: string,
    messageSeq: number,
    version: number,
    at: number,
    kind: string,
    snapshot: string,
    payload: string | null,
    published: MessageEvent | null,
  ): void {
    this.events.push(messageId, messageSeq, version, at, kind, snapshot, payload);
    if (this.eventObjects && published) this.eventObjects.push(published);
  }

  /** An attempt that ended, of the message whose seq is `messageSeq`. */
  attempt(a: AttemptRecord, messageSeq: number): void {
    this.attempts.push(
      a.messageId,
      messageSeq,
      a.attempt,
      a.workerId,
      a.startedAt.getTime(),
      a.endedAt.getTime(),
      a.outcome,
      a.error,
    );
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
      const { lastInsertRowid } = this.insertOf('message_events', EVENT_COLUMNS, rows).run(part);
      // One INSERT of k rows into an AUTOINCREMENT table takes k consecutive rowids, under the write lock.
      const first = Number(lastInsertRowid) - rows + 1;
      const objects = this.eventObjects;
      if (objects) {
        const at = this.eventBase + start / width;
        for (let i = 0; i < rows; i++) objects[at + i]!.seq = first + i;
      }
    }
    const attempts = this.attempts;
    const aw = ATTEMPT_COLUMNS.length;
    for (let start = 0; start < attempts.length; start += CHUNK * aw) {
      const part = attempts.length <= CHUNK * aw ? attempts : attempts.slice(start, start + CHUNK * aw);
      this.insertOf('attempts', ATTEMPT_COLUMNS, part.length / aw).run(part);
    }
    for (const [status, n] of this.counts) if (n !== 0) this.move.run(n, status);
    this.events = [];
    this.attempts = [];
    this.counts.clear();
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
