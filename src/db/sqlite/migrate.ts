// Applies the drizzle-kit migrations in drizzle/sqlite/ to a SQLite database, safely when several processes start at once.

import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';

export const MIGRATIONS_FOLDER = new URL('../../../drizzle/sqlite', import.meta.url).pathname;

/**
 * drizzle's own better-sqlite3 migrator reads the applied list outside its transaction and then opens a
 * DEFERRED one, so two processes starting together on a new file both try to create the tables. This reads
 * and applies inside one BEGIN IMMEDIATE, in drizzle's `__drizzle_migrations` format. Returns how many ran.
 */
export function applyMigrations(db: Database.Database, folder = MIGRATIONS_FOLDER): number {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  const run = db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
    );
    const last = db
      .prepare('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1')
      .get() as { created_at: number } | undefined;
    let applied = 0;
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) db.exec(statement);
      db.prepare('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)').run(
        migration.hash,
        migration.folderMillis,
      );
      applied++;
    }
    return applied;
  });
  return run.immediate();
}
