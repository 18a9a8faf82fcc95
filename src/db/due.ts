// The due test in SQL, the same for every engine: queue/due.ts's rule over a row's columns.

/**
 * A message in the claim index is due by `now` unless its time, as queue/due.ts reads it, is later: a clock behind
 * the one that moved it into the index (processes' clocks differ) must still not take it early. SQL over the row's
 * columns, `now` bound as `:now` (SQLite `@now`, PostgreSQL `$1`).
 */
export function dueTerm(now: string): string {
  return `COALESCE(next_attempt_at, CASE WHEN attempts = 0 THEN run_at END, 0) <= ${now}`;
}
