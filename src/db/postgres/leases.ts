// Leases: heartbeats that extend the leases a worker still holds, and the reaper's list of expired ones.
//
// A heartbeat writes lease_expires_at only, a column in no index: with room left on the page (fillfactor 80,
// migration 0001) PostgreSQL keeps the new row version on the same page as a HOT update and touches no index.
// Were the lease's end indexed (as on SQLite, for the reaper), every heartbeat of every running message would
// insert a new entry into each of the row's seven indexes. The reaper instead reads the running messages through
// messages_processing_idx, keyed by seq, and tests their leases: the running set is bounded by the fleet's
// concurrency, not by the queue's depth.
import type { Sql } from 'postgres';
import type { Held } from '../../queue/store.js';

/** Extends the leases `workerId` still holds (same attempt, still PROCESSING); returns the ids it no longer holds. */
export async function renewLeases(
  sql: Sql,
  workerId: string,
  held: Held[],
  until: number,
): Promise<string[]> {
  const renewed = await sql<{ id: string }[]>`UPDATE messages m SET lease_expires_at = ${until}
    FROM json_to_recordset(${JSON.stringify(held)}::text::json) AS h(id text, attempts int)
    WHERE m.id = h.id AND m.attempts = h.attempts AND m.status = 'PROCESSING' AND m.lease_owner = ${workerId}
    RETURNING m.id`;
  const kept = new Set(renewed.map((r) => r.id));
  return held.filter((h) => !kept.has(h.id)).map((h) => h.id);
}

/** PROCESSING messages whose lease ran out before `now`, the longest expired first. */
export async function expiredLeases(sql: Sql, now: number, limit: number): Promise<Held[]> {
  return sql<Held[]>`SELECT id, attempts FROM messages
    WHERE status = 'PROCESSING' AND lease_expires_at < ${now} ORDER BY lease_expires_at LIMIT ${limit}`;
}
