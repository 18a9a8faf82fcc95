// The rows (and their messages) of the attempts this store took, so that settling a message it just claimed reads
// nothing back and parses nothing (the payload was parsed once, at the claim).
import type { Message } from '../../queue/types.js';
import type { MessageRow } from './rows.js';

export interface Known {
  row: MessageRow;
  /** The row as a Message; shared with whoever got it from the store, so never changed in place. */
  message: Message;
}

/**
 * Entries are only a hint: a change made from one writes only if the stored row still has its `version` and the
 * two columns that change without a new version (`lease_expires_at` on renewal, `effective_priority` by aging),
 * and otherwise reads the row and starts over (see change.ts). Entries come only from committed transactions.
 * Only attempts under way are kept (a message settled out of PROCESSING is dropped), so entries die young; the
 * oldest go first past `capacity` (attempts this store never settles: lost leases, other workers' results).
 * Shared by the store's transactions, which on SQLite's one connection run one at a time.
 */
export class RowCache {
  private readonly entries = new Map<string, Known>();

  constructor(private readonly capacity = 4096) {}

  get(id: string): Known | undefined {
    return this.entries.get(id);
  }

  /** A transaction committed: remembers the rows it wrote or took while PROCESSING, forgets the others. */
  commit(written: readonly Known[]): void {
    if (written.length === 0) return;
    for (const known of written) {
      this.entries.delete(known.row.id);
      if (known.row.status === 'PROCESSING') this.entries.set(known.row.id, known);
    }
    if (this.entries.size <= this.capacity) return;
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(id);
    }
  }
}
