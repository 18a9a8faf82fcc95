// Runs one call on a connection with another busy timeout, restoring the connection's own after it.
import type Database from 'better-sqlite3';

/**
 * Runs `work` with `PRAGMA busy_timeout = ms`, then sets `restoreMs` back, whatever `work` did. A prepared
 * `PRAGMA busy_timeout` is applied when compiled, not when run, so each switch is a fresh pragma.
 */
export function withBusyTimeout<T>(db: Database.Database, ms: number, restoreMs: number, work: () => T): T {
  db.pragma(`busy_timeout = ${ms}`);
  try {
    return work();
  } finally {
    db.pragma(`busy_timeout = ${restoreMs}`);
  }
}
