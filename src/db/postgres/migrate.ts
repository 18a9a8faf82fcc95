// Applies the drizzle-kit migrations in drizzle/postgres/ to the connection's schema, safely when several processes
// start at once.
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Sql } from 'postgres';

export const MIGRATIONS_FOLDER = new URL('../../../drizzle/postgres', import.meta.url).pathname;

/** The advisory lock's first key (the second is the schema's hash): "qqmg". */
const MIGRATE_LOCK = 0x71716d67;

/**
 * Reads the applied list and applies the rest inside one transaction that first takes a transaction-scoped
 * advisory lock per schema: a second process starting at the same moment waits, then finds nothing left to do.
 * (drizzle's own postgres-js migrator reads and applies without a lock.) Tables are created in the connection's
 * current schema, in drizzle's `__drizzle_migrations` format. Returns how many ran.
 */
export async function applyMigrations(sql: Sql, folder = MIGRATIONS_FOLDER): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK}, hashtext(current_schema()))`;
    await tx`CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`;
    const [last] = await tx<{ created_at: number }[]>`
      SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1`;
    let applied = 0;
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) await tx.unsafe(statement);
      await tx`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (${migration.hash}, ${migration.folderMillis})`;
      applied++;
    }
    return applied;
  });
}
