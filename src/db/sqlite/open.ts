// Opens the embedded SQLite database with the pragmas the queue relies on, and applies the migrations.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { applyMigrations } from './migrate.js';

export interface SqliteOptions {
  /**
   * NORMAL (default): in WAL mode a commit reaches the OS before it returns, so a process crash (kill -9)
   * loses nothing; a power loss or OS crash can roll back the last commits, never corrupt the file.
   * FULL: every commit is fsynced; nothing acknowledged is lost even on power loss, at a cost per commit.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's write lock before STORAGE_UNAVAILABLE. Default 5000. */
  busyTimeoutMs?: number;
  /** PRAGMA max_page_count: the file never grows past this many pages; writes beyond it fail SQLITE_FULL. */
  maxPageCount?: number;
  /** The page cache, in KiB (PRAGMA cache_size = -n). Default DEFAULT_CACHE_KIB; see there before raising it. */
  cacheKiB?: number;
  /**
   * Apply the migrations (default true). A further connection to a file its store opened already skips them:
   * their write transaction would wait for, or fail beside, the store's writes.
   */
  migrate?: boolean;
}

/**
 * The hot pages of a write fit many times over. Not more: a commit that split or merged b-tree pages walks the
 * whole page cache to drop pages past the end of the file, so a larger cache slows such commits (measured by the
 * drain anatomy in `npm run bench`).
 */
export const DEFAULT_CACHE_KIB = 4000;

/** Turns DATABASE_URL (a path, a `file:` URL or `:memory:`) into a better-sqlite3 filename. */
export function sqliteFilename(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  if (url.startsWith('file:'))
    return url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
  return url;
}

export function openSqlite(url: string, options: SqliteOptions = {}): Database.Database {
  const filename = sqliteFilename(url);
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new Database(filename, { timeout: options.busyTimeoutMs ?? 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  // Readers never hold a snapshot for long here, so checkpoints keep up; the cap truncates the WAL after a burst.
  db.pragma('journal_size_limit = 67108864');
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${Math.trunc(options.cacheKiB ?? DEFAULT_CACHE_KIB)}`);
  if (options.migrate !== false) applyMigrations(db);
  // After the migrations, so a cap below the schema's own size still lets the file open (SQLite raises a
  // cap below the current size to the current size).
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
  return db;
}
