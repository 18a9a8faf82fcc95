// Changes: each transition applied to its message's row, written back with only the columns that changed, and its
// event appended, in the caller's transaction.
import type Database from 'better-sqlite3';
import { isDomainError, NotFoundError } from '../../queue/errors.js';
import type { ChangeOutcome, ChangeRequest } from '../../queue/store.js';
import { changedColumns, hasColumn, messageToRow, rowReader, rowToMessage, WRITABLE_KEYS } from '../rows.js';
import type { RowCache } from './row-cache.js';
import type { Current, WriteTx } from './transaction.js';

/** Messages read by one statement before a batch of changes (statements are prepared per count). */
const READ_CHUNK = 50;

export function prepareChange(db: Database.Database, known: RowCache) {
  const byId = db.prepare('SELECT * FROM messages WHERE id = ?').raw(true);
  /** Turns the arrays of the raw statements (hot paths) into rows. */
  const readRow = rowReader(byId.columns().map((c) => c.name));
  /** UPDATE statements by the set of columns they write (a bit per WRITABLE_KEYS column) and guard. */
  const updates = new Map<number, Database.Statement>();
  /** `SELECT * FROM messages WHERE id IN (?, ...)` by the number of ids. */
  const reads = new Map<number, Database.Statement>();

  /** `SELECT * FROM messages WHERE id IN (?, ...)` for `count` ids, prepared on first use. */
  const rowsIn = (count: number): Database.Statement => {
    let statement = reads.get(count);
    if (!statement) {
      const marks = Array.from({ length: count }, () => '?').join(', ');
      statement = db.prepare(`SELECT * FROM messages WHERE id IN (${marks})`).raw(true);
      reads.set(count, statement);
    }
    return statement;
  };

  /**
   * `UPDATE messages SET <columns> WHERE seq = ?`, one prepared statement per column set, bound by position: the
   * changed values in WRITABLE_KEYS order, then the seq (then, `guarded`, what the remembered row held).
   */
  const updateOf = (mask: number, guarded: boolean): Database.Statement => {
    const key = mask * 2 + (guarded ? 1 : 0);
    let statement = updates.get(key);
    if (!statement) {
      const columns = WRITABLE_KEYS.filter((_, i) => hasColumn(mask, i));
      const guard = guarded ? ' AND version = ? AND lease_expires_at IS ? AND effective_priority = ?' : '';
      statement = db.prepare(
        `UPDATE messages SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?${guard}`,
      );
      updates.set(key, statement);
    }
    return statement;
  };

  /**
   * The rows of the messages that `requests` change: a row the store remembers (row-cache.ts) is taken as it is,
   * unchecked, and checked by the UPDATE that writes the change (see changeOne); the others are read, 50 a statement.
   */
  const readMany = (requests: ChangeRequest[]): Map<string, Current> => {
    const rows = new Map<string, Current>();
    const unknown = new Set<string>();
    for (const { id } of requests) {
      if (rows.has(id)) continue;
      const remembered = known.get(id);
      if (remembered) rows.set(id, { row: remembered.row, message: remembered.message, checked: false });
      else unknown.add(id);
    }
    const ids = [...unknown];
    for (let start = 0; start < ids.length; start += READ_CHUNK) {
      const part = ids.length <= READ_CHUNK ? ids : ids.slice(start, start + READ_CHUNK);
      for (const values of rowsIn(part.length).all(part) as unknown[][]) {
        const row = readRow(values);
        rows.set(row.id, { row, message: rowToMessage(row), checked: true });
      }
    }
    return rows;
  };

  /**
   * Reads the message, applies its transition, writes back with version + 1 only the columns that changed (so
   * SQLite leaves alone every index whose columns did not), and appends the event.
   */
  const changeOne = (tx: WriteTx, request: ChangeRequest, now: Date): ChangeOutcome => {
    let current = tx.current?.get(request.id);
    if (!current) {
      const values = byId.get(request.id) as unknown[] | undefined;
      if (!values) return { ok: false, skipped: false, error: new NotFoundError(request.id) };
      const read = readRow(values);
      current = { row: read, message: rowToMessage(read), checked: true };
    }
    const { row, message: was } = current;
    let next: ReturnType<ChangeRequest['transition']>;
    try {
      next = request.transition(was, now);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      if (!current.checked) return changeAgain(tx, request, now);
      return { ok: false, skipped: false, error };
    }
    if (next === null) {
      if (!current.checked) return changeAgain(tx, request, now);
      return { ok: false, skipped: true, current: was };
    }
    // A transition returns a message of its own (see transitions.ts): stamped here rather than copied again. The
    // message read may be shared (a claim handed it out), so one passed back unchanged is copied first.
    const message = next.message === was ? { ...was } : next.message;
    message.seq = row.seq;
    message.version = row.version + 1;
    const written = messageToRow(message, { message: was, row });
    const values: unknown[] = [];
    const changed = changedColumns(written, row, values);
    values.push(row.seq);
    if (current.checked) updateOf(changed, false).run(...values);
    else {
      // A remembered row holds only if the stored one is still it: same version, and the same two columns that
      // move without a new version. If not, nothing was written: read the row and apply the transition to it.
      values.push(row.version, row.lease_expires_at, row.effective_priority);
      if (updateOf(changed, true).run(...values).changes === 0) return changeAgain(tx, request, now);
    }
    tx.current?.set(request.id, { row: written, message, checked: true });
    tx.remember(written, message);
    tx.moved(row.status, written.status);
    tx.append(written, now.getTime(), next.kind, message, written.payload !== row.payload, next.attempt);
    return { ok: true, message };
  };

  /** The change again, from the row as stored: what was remembered of it (row-cache.ts) was out of date. */
  const changeAgain = (tx: WriteTx, request: ChangeRequest, now: Date): ChangeOutcome => {
    tx.current?.delete(request.id);
    return changeOne(tx, request, now);
  };

  return {
    /** (transaction, requests, now) -> one outcome per request, in order; each applied change appends its event. */
    changeMany(tx: WriteTx, requests: ChangeRequest[], now: Date): ChangeOutcome[] {
      tx.current = readMany(requests);
      const outcomes = requests.map((request) => changeOne(tx, request, now));
      tx.current = null;
      return outcomes;
    },
  };
}
