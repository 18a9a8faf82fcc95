// One write transaction's context: its connection and what it appends (events, the attempts they end, count
// moves), written at its end by appendLog (events.ts). Kept per transaction, never on the store: a pool runs
// several transactions at once.
import type { TransactionSql } from 'postgres';
import type { AttemptRecord, Message, MessageEvent } from '../../queue/types.js';
import { type MessageRow, snapshotText } from '../rows.js';

/** Attempts are counted per this many milliseconds of their end (attempt_buckets.bucket = ended_at / BUCKET_MS). */
export const BUCKET_MS = 10_000;
/** The outcomes that count as errors in the recent error rate. */
const FAILED_OUTCOMES = new Set<string>(['FAILED', 'TIMED_OUT', 'LOST']);

/** A message_events row about to be inserted (json_populate_recordset reads it by column name). */
export interface EventRow {
  message_id: string;
  message_seq: number;
  version: number;
  at: number;
  kind: string;
  snapshot: string;
  payload: string | null;
  attempt: number | null;
  attempt_worker: string | null;
  attempt_started_at: number | null;
  attempt_outcome: string | null;
  attempt_error: string | null;
}

export interface Bucket {
  bucket: number;
  n: number;
  failed: number;
  completed: number;
  completed_ms: number;
}

/** Advisory lock keys of one store's schema (the second key of each lock is the schema's hash). */
export interface LockKeys {
  schema: number;
}

export class Tx {
  readonly rows: EventRow[] = [];
  /** The appended events as listeners will see them; their seq is set when the log is written. */
  readonly events: MessageEvent[] = [];
  readonly counts = new Map<string, number>();
  readonly buckets = new Map<number, Bucket>();

  constructor(
    readonly sql: TransactionSql,
    readonly keys: LockKeys,
  ) {}

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

  /**
   * Appends the event of a change: `row` is the message as stored at its new version, `message` the same as a
   * Message. The payload is stored with the event only when this change set it (`newPayload`), as on SQLite.
   */
  event(
    row: MessageRow,
    at: number,
    kind: string,
    message: Message,
    newPayload = false,
    attempt?: AttemptRecord,
  ): void {
    this.rows.push({
      message_id: row.id,
      message_seq: row.seq,
      version: row.version,
      at,
      kind,
      snapshot: snapshotText(row),
      payload: newPayload ? row.payload : null,
      attempt: attempt?.attempt ?? null,
      attempt_worker: attempt ? attempt.workerId : null,
      attempt_started_at: attempt ? attempt.startedAt.getTime() : null,
      attempt_outcome: attempt?.outcome ?? null,
      attempt_error: attempt ? attempt.error : null,
    });
    this.events.push({ seq: 0, messageId: row.id, version: row.version, at: new Date(at), kind, message });
    if (attempt) this.ended(attempt, at);
  }

  /** Whether the transaction wrote anything the log and the counts must record. */
  get dirty(): boolean {
    return this.rows.length > 0 || this.buckets.size > 0 || [...this.counts.values()].some((n) => n !== 0);
  }

  private ended(attempt: AttemptRecord, at: number): void {
    const key = Math.floor(at / BUCKET_MS);
    let b = this.buckets.get(key);
    if (!b) {
      b = { bucket: key, n: 0, failed: 0, completed: 0, completed_ms: 0 };
      this.buckets.set(key, b);
    }
    b.n++;
    if (FAILED_OUTCOMES.has(attempt.outcome)) b.failed++;
    else if (attempt.outcome === 'COMPLETED') {
      b.completed++;
      b.completed_ms += at - attempt.startedAt.getTime();
    }
  }
}
