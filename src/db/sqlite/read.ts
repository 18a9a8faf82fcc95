// Reads of messages: one by id, lists and counts by filter, a message's history and its attempts.
import type Database from 'better-sqlite3';
import { and, desc, eq, getTableColumns, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import {
  type AttemptRecord,
  type Message,
  type MessageEvent,
  type MessageFilter,
  type Page,
  PRIORITIES,
} from '../../queue/types.js';
import { onlyStatuses } from '../filters.js';
import {
  type AttemptRow,
  type EventRow,
  fromOrmRow,
  type MessageRow,
  rowToMessage,
  toAttempt,
  toEvent,
} from '../rows.js';
import { EVENT_COLUMNS } from './events.js';
import { FINISHED_INDEX_TERM, messages } from './tables.js';

export function prepareReads(db: Database.Database) {
  // The cold, filter-shaped reads are built with Drizzle; the others are prepared once.
  const orm = drizzle({ client: db });
  const byId = db.prepare('SELECT * FROM messages WHERE id = ?');
  // The ids as one JSON array: one statement whatever their number.
  const byIds = db.prepare('SELECT * FROM messages WHERE id IN (SELECT value FROM json_each(?))');
  const counts = db.prepare('SELECT status, n FROM status_counts');
  // By the message's seq, which the index is keyed by (looked up once through messages_id_idx).
  const history = db.prepare(`${EVENT_COLUMNS}
    WHERE e.message_seq = (SELECT seq FROM messages WHERE id = ?) AND e.version > ? ORDER BY e.version`);
  const seqOf = db.prepare('SELECT seq FROM messages WHERE id = ?').pluck();
  // Those ended before migration 0006 (their own table) first, then those on events (tables.ts).
  const attemptsOf = db.prepare(`SELECT message_id, attempt, worker_id, started_at, ended_at, outcome, error,
      0 AS source, seq
    FROM attempts WHERE message_seq = @seq
    UNION ALL
    SELECT message_id, attempt, attempt_worker, attempt_started_at, at, attempt_outcome, attempt_error, 1, seq
    FROM message_events WHERE message_seq = @seq AND attempt_outcome IS NOT NULL
    ORDER BY attempt, source, seq`);

  return {
    /** (id) -> the message, or null. */
    /** (ids) -> the messages known among them, in no particular order. */
    getMany(ids: string[]): Message[] {
      return (byIds.all(JSON.stringify(ids)) as MessageRow[]).map(rowToMessage);
    },

    get(id: string): Message | null {
      const row = byId.get(id) as MessageRow | undefined;
      return row ? rowToMessage(row) : null;
    },
    /** (filter, page) -> up to `page.limit` matching messages below `page.beforeSeq`, newest first. */
    list(filter: MessageFilter, page: Page): Message[] {
      const rows = orm
        .select()
        .from(messages)
        .where(filterSql(filter, page.beforeSeq))
        .orderBy(desc(messages.seq))
        .limit(page.limit)
        .all();
      return rows.map((r) => rowToMessage(fromOrmRow(getTableColumns(messages), r)));
    },
    /** (filter) -> how many messages match; by status alone, from status_counts in O(1). */
    count(filter: MessageFilter): number {
      if (onlyStatuses(filter)) {
        const wanted = new Set<string>(filter.statuses);
        return (counts.all() as { status: string; n: number }[])
          .filter((r) => wanted.has(r.status))
          .reduce((sum, r) => sum + r.n, 0);
      }
      const [row] = orm.select({ n: sql<number>`count(*)` }).from(messages).where(filterSql(filter)).all();
      return row?.n ?? 0;
    },
    /** (id, version) -> the message's events after that version, in version order. */
    history(id: string, afterVersion: number): MessageEvent[] {
      return (history.all(id, afterVersion) as EventRow[]).map(toEvent);
    },
    /** (id) -> the attempts that ended, in attempt order; none for an unknown id. */
    attemptsOf(id: string): AttemptRecord[] {
      const seq = seqOf.get(id) as number | undefined;
      return seq === undefined ? [] : (attemptsOf.all({ seq }) as AttemptRow[]).map(toAttempt);
    },
  };
}

const FINISHED = new Set<string>(['COMPLETED', 'FAILED', 'CANCELLED']);

function filterSql(filter: MessageFilter, beforeSeq?: number): SQL | undefined {
  const parts: (SQL | undefined)[] = [
    filter.statuses?.length ? inArray(messages.status, filter.statuses) : undefined,
    filter.statuses?.length ? statusIndexTerm(filter.statuses) : undefined,
    filter.priorities?.length
      ? inArray(
          messages.priority,
          filter.priorities.map((p) => PRIORITIES[p]),
        )
      : undefined,
    filter.owner !== undefined ? eq(messages.owner, filter.owner) : undefined,
    filter.deadLettered !== undefined ? eq(messages.deadLettered, filter.deadLettered ? 1 : 0) : undefined,
    // instr rather than LIKE: the text is taken as it is, with no wildcards to escape.
    filter.errorContains !== undefined
      ? sql`instr(lower(${messages.errorMessage}), lower(${filter.errorContains})) > 0`
      : undefined,
    filter.endedFrom !== undefined ? gte(messages.completedAt, filter.endedFrom.getTime()) : undefined,
    filter.endedBefore !== undefined ? lt(messages.completedAt, filter.endedBefore.getTime()) : undefined,
    filter.reviewState !== undefined ? eq(messages.reviewState, filter.reviewState) : undefined,
    beforeSeq !== undefined ? lt(messages.seq, beforeSeq) : undefined,
  ];
  return and(...parts);
}

/**
 * The literal WHERE term of the partial index that serves a status filter. SQLite uses a partial index only
 * when the query holds its WHERE term as written (with literals, not bound parameters), so the filter, bound
 * as usual, gets this term beside it: finished statuses walk messages_finished_idx, PENDING the claim index and
 * PROCESSING the lease index. A mix of active and finished statuses walks the table by seq.
 */
function statusIndexTerm(statuses: readonly string[]): SQL | undefined {
  if (statuses.every((s) => FINISHED.has(s))) return sql.raw(FINISHED_INDEX_TERM);
  if (statuses.every((s) => s === 'PENDING')) return sql.raw(`status = 'PENDING'`);
  if (statuses.every((s) => s === 'PROCESSING')) return sql.raw(`status = 'PROCESSING'`);
  return undefined;
}
