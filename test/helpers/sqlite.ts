// Real SQLite files in a fresh temp folder for each test, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore, type StoreOptions } from '../../src/db/sqlite/store.js';

export interface TempDb {
  dir: string;
  path: string;
  open(options?: StoreOptions): SqliteQueueStore;
  cleanup(): Promise<void>;
}

export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'quotes-test-'));
  const path = join(dir, 'quotes.db');
  const opened: SqliteQueueStore[] = [];
  return {
    dir,
    path,
    open(options) {
      const store = new SqliteQueueStore(openSqlite(path), options);
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
