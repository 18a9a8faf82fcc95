// What a write transaction moves besides its rows, the same for both engines: messages per status and the attempts
// it ended, per 10-second bucket. Each engine's transaction context extends it and writes it at the transaction's end.
import type { AttemptRecord } from '../queue/types.js';

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

export class Tally {
  /** Messages moved per status (negative: moved out), applied to status_counts at the end. */
  readonly counts = new Map<string, number>();
  /** Attempts ended, per bucket (attempt_buckets). */
  readonly buckets = new Map<number, Bucket>();

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

  /** Counts an attempt that ended at `at` into its bucket. */
  protected ended(attempt: AttemptRecord, at: number): void {
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
