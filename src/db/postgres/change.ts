// Changes: applying transitions (src/queue/transitions.ts) to messages, each writing the message at its next
// version and appending its event.

import type { PendingQuery, Row } from 'postgres';
import { isDomainError, NotFoundError } from '../../queue/errors.js';
import type { ChangeOutcome, ChangeRequest } from '../../queue/store.js';
import type { Message } from '../../queue/types.js';
import {
  changedColumns,
  hasColumn,
  type MessageRow,
  messageToRow,
  rowToMessage,
  WRITABLE_KEYS,
} from '../rows.js';
import { storable } from './text.js';
import type { Tx } from './tx.js';

/**
 * Locks the rows first, in seq order (ORDER BY runs below the row locking, so two batches touching the same
 * messages lock them in one order and cannot deadlock each other), then applies each request in turn to the row as
 * the batch left it. The UPDATEs write only the columns that changed, so an index whose columns did not change
 * is left alone (and a change of unindexed columns alone, such as progress, is a HOT update); they are sent
 * pipelined and awaited with the commit (Tx.later).
 */
export async function changeMany(tx: Tx, requests: ChangeRequest[], now: Date): Promise<ChangeOutcome[]> {
  const { outcomes, writes } = applyChanges(tx, requests, await lockRows(tx, requestIds(requests)), now);
  for (const write of writes) tx.later(write);
  return outcomes;
}

/** The distinct messages the requests name; an id PostgreSQL cannot hold names none (NOT_FOUND, as unknown ids). */
export const requestIds = (requests: ChangeRequest[]) =>
  [...new Set(requests.map((r) => r.id))].filter(storable);

/** Sends the locking read of the rows `ids` names now (pipelined: what is sent after it runs after it). */
export function lockRows(tx: Tx, ids: string[]): Promise<MessageRow[]> {
  const { sql } = tx;
  return sql<MessageRow[]>`SELECT * FROM messages WHERE id = ANY(${sql.array(ids)}::text[])
    ORDER BY seq FOR UPDATE`.execute();
}

/**
 * Applies the requests in turn to the rows `lockRows` read, as the batch leaves each one; returns the outcomes and
 * the UPDATEs, not yet sent (a query goes out when first awaited, or passed to Tx.later).
 */
export function applyChanges(
  tx: Tx,
  requests: ChangeRequest[],
  read: MessageRow[],
  now: Date,
): { outcomes: ChangeOutcome[]; writes: PendingQuery<Row[]>[] } {
  const { sql } = tx;
  const writes: PendingQuery<Row[]>[] = [];
  const current = new Map<string, { row: MessageRow; message: Message }>(
    read.map((row) => [row.id, { row, message: rowToMessage(row) }]),
  );
  const at = now.getTime();
  const outcomes = requests.map((request): ChangeOutcome => {
    const known = current.get(request.id);
    if (!known) return { ok: false, skipped: false, error: new NotFoundError(request.id) };
    const { row, message: was } = known;
    let next: ReturnType<ChangeRequest['transition']>;
    try {
      next = request.transition(was, now);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return { ok: false, skipped: false, error };
    }
    if (next === null) return { ok: false, skipped: true, current: was };
    const message = next.message === was ? { ...was } : next.message;
    message.seq = row.seq;
    message.version = row.version + 1;
    const written = messageToRow(message, { message: was, row });
    const values: unknown[] = [];
    const mask = changedColumns(written, row, values);
    const columns = WRITABLE_KEYS.filter((_, i) => hasColumn(mask, i));
    values.push(row.seq);
    writes.push(
      sql.unsafe(
        `UPDATE messages SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE seq = $${values.length}`,
        values as never[],
        { prepare: true },
      ),
    );
    current.set(request.id, { row: written, message });
    tx.moved(row.status, written.status);
    tx.event(written, at, next.kind, message, written.payload !== row.payload, next.attempt);
    return { ok: true, message };
  });
  return { outcomes, writes };
}
