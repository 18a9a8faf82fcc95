// Claims: leasing due PENDING messages to a worker, highest effective priority then oldest first.
import type { ClaimOptions } from '../../queue/store.js';
import type { Message } from '../../queue/types.js';
import { dueTerm } from '../due.js';
import { type MessageRow, rowToMessage } from '../rows.js';
import type { Tx } from './tx.js';

const LEASE = `status = 'PROCESSING', attempts = m.attempts + 1, version = m.version + 1, started_at = $1,
  lease_owner = $2, lease_expires_at = $3, next_attempt_at = NULL, progress = NULL`;

/**
 * One statement: the MATERIALIZED CTE walks messages_claim_idx from its head (its ORDER BY is the index's order and
 * its WHERE the index's predicate), locks up to `limit` rows and SKIPs those another claimer
 * holds, so claimers never wait on each other nor take one message twice; MATERIALIZED keeps the planner from
 * folding it into the UPDATE, where LIMIT and the locking could be applied per joined row. A paused fleet
 * (fleet_state) takes nothing: the pause is read by the claim itself, so it holds in every process at once.
 * Parameters: now, worker, lease end, limit. Returns the claimed rows (unordered).
 */
const CLAIM = `WITH next AS MATERIALIZED (
    SELECT seq FROM messages
    WHERE status = 'PENDING' AND due_at IS NULL AND ${dueTerm('$1')}
      AND NOT EXISTS (SELECT 1 FROM fleet_state WHERE paused = 1)
    ORDER BY effective_priority DESC, fair_round, seq
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
  UPDATE messages m SET ${LEASE} FROM next WHERE m.seq = next.seq RETURNING m.*`;

/**
 * Messages whose time has come join messages_claim_idx: a seek into messages_due_idx that reads nothing while none
 * is due, so the messages waiting for later cost the claim nothing. SKIP LOCKED: claimers promoting at once share
 * the work rather than wait on each other. No new version, no event: due_at is not part of the message (rows.ts).
 * Parameters: now. Returns nothing.
 */
const PROMOTE = `UPDATE messages SET due_at = NULL WHERE seq IN (
    SELECT seq FROM messages WHERE due_at IS NOT NULL AND due_at <= $1
    LIMIT 500
    FOR UPDATE SKIP LOCKED)`;

/** Moves the messages due by `now` (ms) into messages_claim_idx, in the caller's transaction. */
export async function promoteDue(tx: Tx, now: number): Promise<void> {
  await tx.sql.unsafe(PROMOTE, [now], { prepare: true });
}

/** The same, passing over the messages whose ids are in $5 (a batch settling them in the same transaction). */
const CLAIM_EXCEPT = CLAIM.replace(
  'ORDER BY effective_priority',
  'AND id <> ALL($5::text[])\n    ORDER BY effective_priority',
);

/** Takes up to `limit` due messages; returns them in take order, each with its `claimed` event appended. */
export async function claimMany(tx: Tx, o: ClaimOptions): Promise<Message[]> {
  if (o.limit <= 0) return [];
  return takeClaimed(tx, await sendClaim(tx, o), o);
}

/**
 * Sends the promotion of due messages and the claim now (pipelined: the claim runs after the promotion and sees
 * what it moved, and what is sent after them runs after them), passing over `except`'s ids.
 */
export function sendClaim(tx: Tx, o: ClaimOptions, except: string[] = []): Promise<MessageRow[]> {
  const now = o.now.getTime();
  tx.later(tx.sql.unsafe(PROMOTE, [now], { prepare: true }));
  const params = [now, o.workerId, now + o.leaseMs, o.limit];
  return except.length > 0
    ? tx.sql.unsafe<MessageRow[]>(CLAIM_EXCEPT, [...params, except], { prepare: true }).execute()
    : tx.sql.unsafe<MessageRow[]>(CLAIM, params, { prepare: true }).execute();
}

/** The claimed rows as messages in take order, each with its `claimed` event appended and the counts moved. */
export function takeClaimed(tx: Tx, rows: MessageRow[], o: ClaimOptions): Message[] {
  const now = o.now.getTime();
  // RETURNING gives no order; hand the messages out in take order.
  rows.sort(
    (a, b) => b.effective_priority - a.effective_priority || a.fair_round - b.fair_round || a.seq - b.seq,
  );
  tx.moved('PENDING', 'PROCESSING', rows.length);
  return rows.map((row) => {
    const message = rowToMessage(row);
    tx.event(row, now, 'claimed', message);
    return message;
  });
}

/** Claims the message at `seq` if it is still PENDING (the synchronous path, service.run); null otherwise. */
export async function claimOne(
  tx: Tx,
  seq: number,
  by: { workerId: string; leaseMs: number },
  now: number,
): Promise<Message | null> {
  const [row] = await tx.sql.unsafe<MessageRow[]>(
    `UPDATE messages m SET ${LEASE} WHERE seq = $4 AND status = 'PENDING' RETURNING *`,
    [now, by.workerId, now + by.leaseMs, seq],
    { prepare: true },
  );
  if (!row) return null;
  tx.moved('PENDING', 'PROCESSING');
  const message = rowToMessage(row);
  tx.event(row, now, 'claimed', message);
  return message;
}
