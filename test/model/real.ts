// The real side of a model run, on either engine: the SQLite store on a fresh temp file, or the PostgreSQL store
// on a fresh schema; a crash or restart reopens it.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../src/db/postgres/open.js';
import { openSqlite } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../src/db/sqlite/store.js';
import type { QueueStore } from '../../src/queue/store.js';
import type { Engine } from '../helpers/databases.js';
import { PG_URL, tempSchema } from '../helpers/postgres.js';

export interface RealQueue {
  readonly store: QueueStore;
  /** kill -9: a new process opens the database exactly as the dead one left it, with no clean close. */
  crash(): Promise<void>;
  /** A clean stop (checkpoint and close) and a start on the same database. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export function openRealQueue(engine: Engine = 'SQLite'): Promise<RealQueue> {
  return engine === 'SQLite' ? Promise.resolve(openSqliteQueue()) : openPostgresQueue();
}

function openSqliteQueue(): RealQueue {
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

async function openPostgresQueue(): Promise<RealQueue> {
  const schema = await tempSchema();
  const open = () =>
    openPostgres(PG_URL, {
      poolSize: 2,
      slowPollMs: 60_000,
      applicationName: schema.schema,
      schema: schema.schema,
    });
  let store = await open();
  return {
    get store() {
      return store;
    },
    async crash() {
      // The server ends the dead process's sessions: whatever committed stays, nothing else does.
      await schema.admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = ${schema.schema}`;
      await store.close().catch(() => {});
      store = await open();
    },
    async restart() {
      await store.close();
      store = await open();
    },
    async cleanup() {
      await store.close().catch(() => {});
      await schema.cleanup();
    },
  };
}
