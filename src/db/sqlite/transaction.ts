// The per-transaction context of a write: what it appends and moves, written by append.ts at its end, and the rows
// it has in hand. One is made for each transaction and dropped with it, so nothing of a transaction lives on the
// store (a pooled engine runs several at once; SQLite runs one at a time on its connection, but needs no exception).
import type { AttemptRecord, Message, MessageEvent } from '../../queue/types.js';
import { type MessageRow, snapshotText } from '../rows.js';
import { Tally } from '../tally.js';
import type { Known } from './row-cache.js';

/** A row about to be changed; unless `checked`, it is what the store remembers, to be confirmed by the write. */
export interface Current extends Known {
  checked: boolean;
}

export class WriteTx extends Tally {
  /** Event rows, flattened in append.ts's EVENT_COLUMNS order. */
  readonly events: unknown[] = [];
  /** The events as listeners will see them (their seq set by append.ts), or null when nobody listens. */
  readonly published: MessageEvent[] | null;
  /**
   * The rows of the messages a batch of changes touches, read at its start and kept current by each change (the
   * transaction holds the write lock, so nothing else moves them); null outside such a batch.
   */
  current: Map<string, Current> | null = null;
  /** Rows written or taken, for the store's row cache once the transaction has committed. */
  readonly written: Known[] = [];

  constructor(publishing: boolean) {
    super();
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

  /** A row this transaction wrote or took, with its message: the row cache's to keep once committed. */
  remember(row: MessageRow, message: Message): void {
    this.written.push({ row, message });
  }
}
