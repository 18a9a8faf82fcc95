// One write transaction's context: its connection and what it appends (events, the attempts they end, count
// moves: tally.ts), written at its end by appendLog (events.ts). Kept per transaction, never on the store: a pool runs
// several transactions at once.
import type { PendingQuery, Row, TransactionSql } from 'postgres';
import type { AttemptRecord, Message, MessageEvent } from '../../queue/types.js';
import { type MessageRow, snapshotText } from '../rows.js';
import { Tally } from '../tally.js';

/** A message_events row about to be inserted (json_populate_recordset reads it by column name). */
export interface NewEventRow {
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

/** Advisory lock keys of one store's schema (the second key of each lock is the schema's hash). */
export interface LockKeys {
  schema: number;
}

export class Tx extends Tally {
  readonly rows: NewEventRow[] = [];
  /** The appended events as listeners will see them; their seq is set when the log is written. */
  readonly events: MessageEvent[] = [];
  /** Statements sent without waiting for their answers (pipelined); awaited with the commit (see store.ts). */
  readonly pending: Promise<unknown>[] = [];

  constructor(
    readonly sql: TransactionSql,
    readonly keys: LockKeys,
  ) {
    super();
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

  /**
   * Sends `query` now without waiting for its answer: the statements after it on this connection run after it, and
   * the commit awaits it (a failure of it fails the transaction).
   */
  later(query: PendingQuery<Row[]>): void {
    // A handler now, so a failure is never an unhandled rejection; the commit awaits the query itself.
    query.catch(() => {});
    this.pending.push(query);
  }

  /** Whether the transaction wrote anything the log and the counts must record. */
  get dirty(): boolean {
    return this.rows.length > 0 || this.buckets.size > 0 || [...this.counts.values()].some((n) => n !== 0);
  }
}
