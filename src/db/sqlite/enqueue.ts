// Enqueue: a new message and its first event, unless its owner's idempotency key is known; capacity checked first.
import type Database from 'better-sqlite3';
import { QueueFullError } from '../../queue/errors.js';
import type { EnqueueOptions } from '../../queue/store.js';
import type { Message, NewMessage } from '../../queue/types.js';
import { storedMessage } from '../new-message.js';
import { type MessageRow, messageToRow, rowToMessage, WRITABLE_KEYS } from '../rows.js';
import type { ClaimStatements } from './claim.js';
import type { WriteTx } from './transaction.js';

export function prepareEnqueue(db: Database.Database, claims: ClaimStatements) {
  const byKey = db.prepare('SELECT * FROM messages WHERE owner = ? AND idempotency_key = ?');
  // Two primary-key lookups: cheaper than SUM over `status IN (...)` (an ephemeral IN table).
  const active = db
    .prepare(`SELECT COALESCE((SELECT n FROM status_counts WHERE status = 'PENDING'), 0)
      + COALESCE((SELECT n FROM status_counts WHERE status = 'PROCESSING'), 0)`)
    .pluck();
  // Positional, without RETURNING: the row is what was bound, plus its seq (lastInsertRowid).
  const insert = db.prepare(
    `INSERT INTO messages (${WRITABLE_KEYS.join(', ')}) VALUES (${WRITABLE_KEYS.map(() => '?').join(', ')})`,
  );

  return {
    /**
     * (transaction, submission, options, now in ms) -> the stored message (claimed when `claimFor` is set) and
     * whether it is new; the owner's first message for a known key; QueueFullError at `maxSize` active messages.
     */
    enqueueOne(
      tx: WriteTx,
      m: NewMessage,
      options: EnqueueOptions,
      now: number,
    ): { message: Message; created: boolean } {
      if (m.idempotencyKey !== null) {
        const existing = byKey.get(m.owner, m.idempotencyKey) as MessageRow | undefined;
        if (existing) return { message: rowToMessage(existing), created: false };
      }
      if ((active.get() as number) + tx.activeDelta() >= options.maxSize)
        throw new QueueFullError(options.maxSize);
      // The message as stored, built from the submission rather than read back: the row is exactly what is bound.
      const message = storedMessage(m);
      const row = messageToRow(message);
      const values: unknown[] = new Array(WRITABLE_KEYS.length);
      for (let i = 0; i < WRITABLE_KEYS.length; i++) values[i] = row[WRITABLE_KEYS[i]!];
      row.seq = message.seq = Number(insert.run(...values).lastInsertRowid);
      tx.moved(null, 'PENDING');
      tx.append(row, now, 'enqueued', message, true);
      if (!options.claimFor) return { message, created: true };
      return { message: claims.claimNew(tx, row.seq, now, options.claimFor), created: true };
    },
  };
}
