// The database of a chaos run: a fresh SQLite file in a temp folder, or a fresh schema of its own on the PostgreSQL
// server `--database` names. Kept for inspection when the run fails, removed when it passes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { engineOf, openStore } from '../../src/db/open-store.js';
import { openSqlite } from '../../src/db/sqlite/open.js';
import type { QueueStore } from '../../src/queue/store.js';

export interface ChaosDatabase {
  /** The DATABASE_URL every process of the run uses. */
  url: string;
  /** Where the data stays when the run fails (a file, or a schema on a server). */
  where: string;
  /** Opens a store on it (the first one creates the tables, so the processes do not all race to). */
  open(): Promise<QueueStore>;
  /** `PRAGMA integrity_check` of the SQLite file; PostgreSQL keeps its own files. */
  integrity(): string;
  remove(): Promise<void>;
}

export async function chaosDatabase(server: string | undefined): Promise<ChaosDatabase> {
  if (server === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'quotes-chaos-'));
    const path = join(dir, 'chaos.db');
    return {
      url: path,
      where: path,
      open: () => openStore(storeConfig(path)),
      integrity() {
        const db = openSqlite(path);
        try {
          return String(db.pragma('integrity_check', { simple: true }));
        } finally {
          db.close();
        }
      },
      async remove() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (engineOf(server) !== 'postgres') throw new Error('--database takes a postgres:// URL');
  const schema = `chaos_${randomBytes(5).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(server);
  url.searchParams.set('search_path', schema);
  url.searchParams.set('application_name', schema);
  return {
    url: url.toString(),
    where: `schema ${schema} on ${url.host}`,
    open: () => openStore(storeConfig(url.toString())),
    integrity: () => 'ok',
    async remove() {
      const sql = postgres(server, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}

function storeConfig(url: string) {
  return {
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: 2,
    SQLITE_SYNCHRONOUS: 'NORMAL' as const,
    SQLITE_MAX_PAGES: undefined,
  };
}
