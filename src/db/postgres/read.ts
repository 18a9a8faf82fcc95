// Reads of messages: one by id, filtered lists and counts (built with drizzle), and where a message stands in line.
import { and, desc, sql as dsql, eq, getTableColumns, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Sql } from 'postgres';
import { type Message, type MessageFilter, type Page, PRIORITIES } from '../../queue/types.js';
import { onlyStatuses } from '../filters.js';
import { fromOrmRow, type MessageRow, rowToMessage } from '../rows.js';
import { messages } from './tables.js';

export async function getMessage(sql: Sql, id: string): Promise<Message | null> {
  const [row] = await sql<MessageRow[]>`SELECT * FROM messages WHERE id = ${id}`;
  return row ? rowToMessage(row) : null;
}

/** The messages known among `ids`, in no particular order. */
export async function getMessages(sql: Sql, ids: string[]): Promise<Message[]> {
  const rows = await sql<MessageRow[]>`SELECT * FROM messages WHERE id = ANY(${sql.array(ids)}::text[])`;
  return rows.map(rowToMessage);
}

/** Newest first, `page.limit` at most, below `page.beforeSeq` when given. */
export async function listMessages(
  orm: PostgresJsDatabase,
  filter: MessageFilter,
  page: Page,
): Promise<Message[]> {
  const rows = await orm
    .select()
    .from(messages)
    .where(filterSql(filter, page.beforeSeq))
    .orderBy(desc(messages.seq))
    .limit(page.limit);
  return rows.map((r) => rowToMessage(fromOrmRow(getTableColumns(messages), r)));
}

export async function countMessages(
  sql: Sql,
  orm: PostgresJsDatabase,
  filter: MessageFilter,
): Promise<number> {
  if (onlyStatuses(filter)) {
    // Kept exact in every transaction (status_counts): O(1) instead of a count over the queue.
    const [row] = await sql<{ n: number }[]>`SELECT COALESCE(SUM(n), 0)::int8 AS n FROM status_counts
      WHERE status = ANY(${sql.array(filter.statuses)}::text[])`;
    return row!.n;
  }
  const [row] = await orm.select({ n: dsql<number>`count(*)::int4` }).from(messages).where(filterSql(filter));
  return row?.n ?? 0;
}

/** 1 = next to be taken, counting PENDING messages due now; null unless the message is PENDING and due. */
export async function queuePosition(sql: Sql, id: string, now: number): Promise<number | null> {
  const [row] = await sql<{ n: number | null }[]>`SELECT (
      SELECT COUNT(*)::int4 FROM messages a
      WHERE a.status = 'PENDING' AND (a.due_at IS NULL OR a.due_at <= ${now})
        AND COALESCE(a.next_attempt_at, CASE WHEN a.attempts = 0 THEN a.run_at END, 0) <= ${now}
        AND (a.effective_priority > m.effective_priority
          OR (a.effective_priority = m.effective_priority
            AND (a.fair_round < m.fair_round OR (a.fair_round = m.fair_round AND a.seq < m.seq))))) AS n
    FROM messages m
    WHERE m.id = ${id} AND m.status = 'PENDING' AND (m.due_at IS NULL OR m.due_at <= ${now})
      AND COALESCE(m.next_attempt_at, CASE WHEN m.attempts = 0 THEN m.run_at END, 0) <= ${now}`;
  return row?.n == null ? null : row.n + 1;
}

/** The earliest time a PENDING message not yet due becomes due (a retry or a scheduled one), by its own times. */
export async function nextDueAt(sql: Sql, now: number): Promise<Date | null> {
  const [row] = await sql<{ at: number | null }[]>`SELECT MIN(at) AS at FROM (SELECT
      COALESCE(next_attempt_at, CASE WHEN attempts = 0 THEN run_at END) AS at
    FROM messages WHERE status = 'PENDING') w WHERE at > ${now}`;
  return row?.at == null ? null : new Date(row.at);
}

function filterSql(filter: MessageFilter, beforeSeq?: number): SQL | undefined {
  return and(
    filter.statuses?.length ? inArray(messages.status, filter.statuses) : undefined,
    filter.priorities?.length
      ? inArray(
          messages.priority,
          filter.priorities.map((p) => PRIORITIES[p]),
        )
      : undefined,
    filter.owner !== undefined ? eq(messages.owner, filter.owner) : undefined,
    filter.deadLettered !== undefined ? eq(messages.deadLettered, filter.deadLettered ? 1 : 0) : undefined,
    // strpos rather than ILIKE: the text is taken as it is, with no wildcards to escape.
    filter.errorContains !== undefined
      ? dsql`strpos(lower(${messages.errorMessage}), lower(${filter.errorContains})) > 0`
      : undefined,
    filter.endedFrom !== undefined ? gte(messages.completedAt, filter.endedFrom.getTime()) : undefined,
    filter.endedBefore !== undefined ? lt(messages.completedAt, filter.endedBefore.getTime()) : undefined,
    filter.reviewState !== undefined ? eq(messages.reviewState, filter.reviewState) : undefined,
    beforeSeq !== undefined ? lt(messages.seq, beforeSeq) : undefined,
  );
}
