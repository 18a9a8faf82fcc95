// Enqueue: a new message and its first event, unless its owner's idempotency key is known; capacity checked first.
import type Database from 'better-sqlite3';
import { QueueFullError } from '../../queue/errors.js';
import type { EnqueueOptions } from '../../queue/store.js';
import { type Message, type NewMessage, PRIORITIES } from '../../queue/types.js';
import { dueTerm } from '../due.js';
import { nextRound } from '../fairness.js';
import { storedMessage } from '../new-message.js';
import { type MessageRow, messageToRow, rowToMessage, WRITABLE_KEYS } from '../rows.js';
import type { ClaimStatements } from './claim.js';
import { CLAIM_INDEX_TERM } from './tables.js';
import type { WriteTx } from './transaction.js';

export function prepareEnqueue(db: Database.Database, claims: ClaimStatements) {
  const byKey = db.prepare('SELECT * FROM messages WHERE owner = ? AND idempotency_key = ?');
  // Two primary-key lookups: cheaper than SUM over `status IN (...)` (an ephemeral IN table).
  const active = db
    .prepare(`SELECT COALESCE((SELECT n FROM status_counts WHERE status = 'PENDING'), 0)
      + COALESCE((SELECT n FROM status_counts WHERE status = 'PROCESSING'), 0)`)
    .pluck();
  // Walks the partial indexes of PENDING (due and waiting) and PROCESSING messages, so its cost is bounded by
  // MAX_QUEUE_SIZE rather than by the owner's history (messages_owner_idx holds every retained message of the owner).
  const activeOf = db
    .prepare(`SELECT
        (SELECT COUNT(*) FROM messages INDEXED BY messages_claim_idx WHERE ${CLAIM_INDEX_TERM} AND owner = @owner)
      + (SELECT COUNT(*) FROM messages INDEXED BY messages_due_idx WHERE due_at IS NOT NULL AND owner = @owner)
      + (SELECT COUNT(*) FROM messages INDEXED BY messages_lease_idx WHERE status = 'PROCESSING' AND owner = @owner)`)
    .pluck();
  // Fairness (Message.round): the owner's last round at the priority, and the round at the head of the line there.
  const tailOf = db
    .prepare(`SELECT MAX(fair_round) FROM messages INDEXED BY messages_owner_round_idx
      WHERE ${CLAIM_INDEX_TERM} AND owner = @owner AND priority = @priority AND ${dueTerm('@now')}`)
    .pluck();
  const headOf = db
    .prepare(`SELECT fair_round FROM messages INDEXED BY messages_claim_idx
      WHERE ${CLAIM_INDEX_TERM} AND effective_priority = @priority AND ${dueTerm('@now')}
      ORDER BY effective_priority DESC, fair_round, seq LIMIT 1`)
    .pluck();
  // Positional, without RETURNING: the row is what was bound, plus its seq (lastInsertRowid).
  const insert = db.prepare(
    `INSERT INTO messages (${WRITABLE_KEYS.join(', ')}) VALUES (${WRITABLE_KEYS.map(() => '?').join(', ')})`,
  );

  return {
    /**
     * (transaction, submission, options, now in ms) -> the stored message (claimed when `claimFor` is set) and
     * whether it is new; the owner's first message for a known key; QueueFullError at `maxSize` active messages
     * or at `maxPerOwner` of the owner's. `owners`: each owner's active count as a batch has counted it so far.
     */
    enqueueOne(
      tx: WriteTx,
      m: NewMessage,
      options: EnqueueOptions,
      now: number,
      owners?: Map<string, number>,
    ): { message: Message; created: boolean } {
      if (m.idempotencyKey !== null) {
        const existing = byKey.get(m.owner, m.idempotencyKey) as MessageRow | undefined;
        if (existing) return { message: rowToMessage(existing), created: false };
      }
      if ((active.get() as number) + tx.activeDelta() >= options.maxSize)
        throw new QueueFullError(options.maxSize);
      // Counted inside the write transaction (one writer), so exact under concurrency; a batch counts each owner
      // once and adds its own messages as it goes.
      if (options.maxPerOwner !== undefined) {
        const held = owners?.get(m.owner) ?? (activeOf.get({ owner: m.owner }) as number);
        if (held >= options.maxPerOwner) throw new QueueFullError(options.maxPerOwner, 'owner');
        owners?.set(m.owner, held + 1);
      }
      // The message as stored, built from the submission rather than read back: the row is exactly what is bound.
      const message = storedMessage(m);
      claims.promoteDue(now);
      const rank = PRIORITIES[m.priority];
      message.round = nextRound(
        tailOf.get({ owner: m.owner, priority: rank, now }) as number | null,
        headOf.get({ priority: rank, now }) as number | undefined,
      );
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
