// The rows (and their messages) of the attempts this store took, so that settling a message it just claimed reads
// nothing back and parses nothing (the payload was parsed once, at the claim).
import type { Message } from '../queue/types.js';
import type { MessageRow } from './rows.js';

export interface Known {
  row: MessageRow;
  /** The row as a Message; shared with whoever got it from the store, so never changed in place. */
  message: Message;
}

/**
 * Entries are only a hint: a change made from one writes only if the stored row still has its `version` and the
 * two columns that change without a new version (`lease_expires_at` on renewal, `effective_priority` by aging),
 * and otherwise reads the row and starts over (see SqliteQueueStore.changeOne). Entries of a transaction are kept
 * only once it has committed. Only attempts under way are kept
 * (a message settled out of PROCESSING is dropped), so entries die young; the oldest go first past `capacity`
 * (attempts this store never settles: lost leases, other workers' results).
 */
export class RowCache {
  private readonly entries = new Map<string, Known>();
  private staged: (Known | string)[] = [];

  constructor(private readonly capacity = 4096) {}

  get(id: string): Known | undefined {
    return this.entries.get(id);
  }

  /**
   * After the transaction under way commits (see `commit`): remembers a row it wrote or took while the message
   * is PROCESSING, and forgets it otherwise.
   */
  stage(row: MessageRow, message: Message): void {
    this.staged.push(row.status === 'PROCESSING' ? { row, message } : row.id);
  }

  /** The transaction committed: its rows are what the database holds. */
  commit(): void {
    if (this.staged.length === 0) return;
    for (const known of this.staged) {
      if (typeof known === 'string') {
        this.entries.delete(known);
        continue;
      }
      this.entries.delete(known.row.id);
      this.entries.set(known.row.id, known);
    }
    this.staged = [];
    if (this.entries.size <= this.capacity) return;
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(id);
    }
  }

  /** The transaction rolled back (or is starting): nothing of it is remembered. */
  discard(): void {
    this.staged = [];
  }
}
