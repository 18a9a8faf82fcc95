// Opens the queue's store for DATABASE_URL, picking the engine by the URL: the one place that knows the engines.
import type Database from 'better-sqlite3';
import type { Config } from '../config.js';
import type { QueueStore } from '../queue/store.js';
import { openSqlite } from './sqlite/open.js';
import { SqliteQueueStore } from './sqlite/store.js';

export type Engine = 'sqlite' | 'postgres';

export type StoreConfig = Pick<Config, 'DATABASE_URL' | 'SQLITE_SYNCHRONOUS' | 'SQLITE_MAX_PAGES'>;

export interface OpenStoreOptions {
  /**
   * Test hook for storage-fault tests: receives the SQLite connection once it is open, e.g. to make it read-only
   * (`PRAGMA query_only`) or change its size cap. Never used by the service itself.
   */
  onSqliteOpen?: (db: Database.Database) => void;
}

/** `postgres://` and `postgresql://` URLs are PostgreSQL; anything else (a path, `file:`, `:memory:`) is SQLite. */
export function engineOf(url: string): Engine {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<QueueStore> {
  if (engineOf(config.DATABASE_URL) === 'postgres') {
    throw new Error('DATABASE_URL: PostgreSQL is not supported yet; use a file path, file: URL or :memory:');
  }
  const db = openSqlite(config.DATABASE_URL, {
    synchronous: config.SQLITE_SYNCHRONOUS,
    maxPageCount: config.SQLITE_MAX_PAGES,
  });
  options.onSqliteOpen?.(db);
  return new SqliteQueueStore(db);
}
