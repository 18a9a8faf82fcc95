// The real side of a model run: the SQLite store on a fresh temp file, which a crash or restart reopens.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../src/db/sqlite/store.js';

export interface RealQueue {
  readonly store: SqliteQueueStore;
  /** kill -9: a new process opens the files exactly as they are on disk, WAL included, with no clean close. */
  crash(): Promise<void>;
  /** A clean stop (checkpoint and close) and a start on the same file. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export function openRealQueue(): RealQueue {
  const dir = mkdtempSync(join(tmpdir(), 'quotes-model-'));
  let generation = 0;
  let path = join(dir, 'quotes-0.db');
  let store = new SqliteQueueStore(openSqlite(path));
  return {
    get store() {
      return store;
    },
    async crash() {
      // Copying the database and its WAL while the connection is still open captures what a killed process
      // leaves behind (every commit reached the OS); the shared-memory index is not copied, so SQLite rebuilds
      // it from the WAL on open, as it does after a real crash.
      const next = join(dir, `quotes-${++generation}.db`);
      copyFileSync(path, next);
      if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${next}-wal`);
      await store.close();
      path = next;
      store = new SqliteQueueStore(openSqlite(path));
    },
    async restart() {
      await store.close();
      store = new SqliteQueueStore(openSqlite(path));
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
