// The event log read back: events after a position (how other processes' changes are followed), the last
// position, and the token that says another connection committed.
import type Database from 'better-sqlite3';
import type { MessageEvent } from '../../queue/types.js';
import { type EventRow, toEvent } from '../rows.js';

/**
 * Events with the payload each stood with: an array snapshot (format 2 or 3, see rows.ts) without a payload of
 * its own takes the nearest earlier version's, from that event's column or, in events written before migration
 * 0003, from its format-1 snapshot (a JSON object). The walk back uses message_events_message_seq_version_idx.
 */
export const EVENT_COLUMNS = `SELECT e.seq, e.message_id, e.version, e.at, e.kind, e.snapshot,
    CASE WHEN e.payload IS NOT NULL OR substr(e.snapshot, 1, 1) = '{' THEN e.payload ELSE (
      SELECT COALESCE(p.payload, p.snapshot ->> '$.payload') FROM message_events p
      WHERE p.message_seq = e.message_seq AND p.version < e.version
        AND (p.payload IS NOT NULL OR substr(p.snapshot, 1, 1) = '{')
      ORDER BY p.version DESC LIMIT 1) END AS payload
  FROM message_events e`;

export function prepareEvents(db: Database.Database) {
  const after = db.prepare(`${EVENT_COLUMNS} WHERE e.seq > ? ORDER BY e.seq LIMIT ? + 0`);
  const last = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM message_events');
  const dataVersion = db.prepare('PRAGMA data_version').pluck();

  return {
    /**
     * (position, limit) -> up to `limit` events after it, in position order. One writer at a time takes
     * AUTOINCREMENT positions under the write lock, so they commit in increasing order.
     */
    eventsAfter(seq: number, limit: number): MessageEvent[] {
      return (after.all(seq, limit) as EventRow[]).map(toEvent);
    },
    /** () -> the last position in the log, 0 when empty. */
    lastEventSeq(): number {
      return (last.get() as { seq: number }).seq;
    },
    /** () -> PRAGMA data_version: changes when another connection commits to the file, never for this one's commits. */
    changeToken(): number {
      return dataVersion.get() as number;
    },
  };
}
