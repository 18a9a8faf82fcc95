// Leases: renewing those a worker still holds, and finding those that ran out.
import type Database from 'better-sqlite3';
import type { Held } from '../../queue/store.js';

export function prepareLeases(db: Database.Database) {
  const renew = db.prepare(`UPDATE messages SET lease_expires_at = ?
    WHERE id = ? AND status = 'PROCESSING' AND attempts = ? AND lease_owner = ?`);
  // No new version and no event: a renewal changes no state that readers follow (row-cache.ts checks the column).
  const renewAll = db.transaction((workerId: string, held: Held[], until: number) =>
    held.filter((h) => renew.run(until, h.id, h.attempts, workerId).changes === 0).map((h) => h.id),
  );
  const expired = db.prepare(`SELECT id, attempts FROM messages INDEXED BY messages_lease_idx
    WHERE status = 'PROCESSING' AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ? + 0`);

  return {
    /** (worker, leases it holds, new expiry in ms) -> the ids it no longer holds; one transaction. */
    renewLeases(workerId: string, held: Held[], until: number): string[] {
      return renewAll.immediate(workerId, held, until);
    },
    /** (now in ms, limit) -> PROCESSING messages whose lease ran out before now, earliest expiry first. */
    expiredLeases(now: number, limit: number): Held[] {
      return expired.all(now, limit) as Held[];
    },
  };
}
