// The per-transaction context of a write: what it appends and moves, written by append.ts at its end, and the rows
// it has in hand. One is made for each transaction and dropped with it, so nothing of a transaction lives on the
// store (a pooled engine runs several at once; SQLite runs one at a time on its connection, but needs no exception).
import type { AttemptRecord, Message, MessageEvent } from '../../queue/types.js';
import type { Known } from './row-cache.js';
import { type MessageRow, snapshotText } from './rows.js';

/** Attempts are counted per this many milliseconds of their end (attempt_buckets.bucket = ended_at / BUCKET_MS). */
export const BUCKET_MS = 10_000;
/** The outcomes that count as errors in the recent error rate. */
const FAILED_OUTCOMES = new Set<string>(['FAILED', 'TIMED_OUT', 'LOST']);

export interface Bucket {
  n: number;
  failed: number;
  completed: number;
  completedMs: number;
}

/** A row about to be changed; unless `checked`, it is what the store remembers, to be confirmed by the write. */
export interface Current extends Known {
  checked: boolean;
}

export class WriteTx {
  /** Event rows, flattened in append.ts's EVENT_COLUMNS order. */
  readonly events: unknown[] = [];
  /** The events as listeners will see them (their seq set by append.ts), or null when nobody listens. */
  readonly published: MessageEvent[] | null;
  /** Messages moved per status (negative: moved out), applied to status_counts at the end. */
  readonly counts = new Map<string, number>();
  /** Attempts ended, per bucket (attempt_buckets in tables.ts). */
  readonly buckets = new Map<number, Bucket>();
  /**
   * The rows of the messages a batch of changes touches, read at its start and kept current by each change (the
   * transaction holds the write lock, so nothing else moves them); null outside such a batch.
   */
  current: Map<string, Current> | null = null;
  /** Rows written or taken, for the store's row cache once the transaction has committed. */
  readonly written: Known[] = [];

  constructor(publishing: boolean) {
    this.published = publishing ? [] : null;
  }

  /**
   * Appends the event of a change; `message` is the row as a Message, handed to listeners after commit. The
   * payload is stored with the event only when this change set it (`newPayload`); see snapshotText.
   */
  append(
    row: MessageRow,
    at: number,
    kind: string,
    message: Message,
    newPayload = false,
    attempt?: AttemptRecord,
  ): void {
    this.events.push(
      row.id,
      row.seq,
      row.version,
      at,
      kind,
      snapshotText(row),
      newPayload ? row.payload : null,
    );
    if (attempt) {
      const { startedAt, outcome, error } = attempt;
      this.events.push(attempt.attempt, attempt.workerId, startedAt.getTime(), outcome, error);
      this.ended(attempt, at);
    } else this.events.push(null, null, null, null, null);
    this.published?.push({
      seq: 0,
      messageId: row.id,
      version: row.version,
      at: new Date(at),
      kind,
      message,
    });
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

  /** A row this transaction wrote or took, with its message: the row cache's to keep once committed. */
  remember(row: MessageRow, message: Message): void {
    this.written.push({ row, message });
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
}
