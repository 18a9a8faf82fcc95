// Claims: leasing due PENDING messages to a worker, highest effective priority then oldest first.
import type { ClaimOptions } from '../../queue/store.js';
import type { Message } from '../../queue/types.js';
import { type MessageRow, rowToMessage } from '../rows.js';
import type { Tx } from './tx.js';

const LEASE = `status = 'PROCESSING', attempts = m.attempts + 1, version = m.version + 1, started_at = $1,
  lease_owner = $2, lease_expires_at = $3, next_attempt_at = NULL, progress = NULL`;

/**
 * One statement: the MATERIALIZED CTE walks messages_claim_idx from its head (its ORDER BY is the index's order and
 * its WHERE the index's predicate, plus the due test), locks up to `limit` rows and SKIPs those another claimer
 * holds, so claimers never wait on each other nor take one message twice; MATERIALIZED keeps the planner from
 * folding it into the UPDATE, where LIMIT and the locking could be applied per joined row.
 * Parameters: now, worker, lease end, limit. Returns the claimed rows (unordered).
 */
const CLAIM = `WITH next AS MATERIALIZED (
    SELECT seq FROM messages
    WHERE status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
    ORDER BY effective_priority DESC, seq
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
  UPDATE messages m SET ${LEASE} FROM next WHERE m.seq = next.seq RETURNING m.*`;

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

/** Sends the claim now (pipelined: what is sent after it runs after it), passing over `except`'s ids. */
export function sendClaim(tx: Tx, o: ClaimOptions, except: string[] = []): Promise<MessageRow[]> {
  const now = o.now.getTime();
  const params = [now, o.workerId, now + o.leaseMs, o.limit];
  return except.length > 0
    ? tx.sql.unsafe<MessageRow[]>(CLAIM_EXCEPT, [...params, except], { prepare: true }).execute()
    : tx.sql.unsafe<MessageRow[]>(CLAIM, params, { prepare: true }).execute();
}

/** The claimed rows as messages in take order, each with its `claimed` event appended and the counts moved. */
export function takeClaimed(tx: Tx, rows: MessageRow[], o: ClaimOptions): Message[] {
  const now = o.now.getTime();
  // RETURNING gives no order; hand the messages out in take order.
  rows.sort((a, b) => b.effective_priority - a.effective_priority || a.seq - b.seq);
  tx.moved('PENDING', 'PROCESSING', rows.length);
  return rows.map((row) => {
    const message = rowToMessage(row);
    tx.event(row, now, 'claimed', message);
    return message;
  });
}

/** Claims the message at `seq` if it is still PENDING (the synchronous runQuote path); null otherwise. */
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
