// The local PostgreSQL for the PostgreSQL workloads (bench/postgres.ts): a schema of its own for each subject's
// run, created and dropped, and VACUUM ANALYZE after seeding (the local server runs with autovacuum off, so a
// freshly seeded table has no statistics for the planner unless someone gathers them).
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import postgres from 'postgres';

export const BENCH_PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test';

/**
 * BENCH_PG_URL with a user name, for node-postgres (graphile-worker's and pg-boss's driver), which unlike
 * postgres.js does not default to the system user's.
 */
export function pgUrlWithUser(): string {
  const url = new URL(BENCH_PG_URL);
  if (!url.username) url.username = process.env.PGUSER ?? userInfo().username;
  return url.toString();
}

/** Whether PostgreSQL answers at BENCH_PG_URL within a few seconds. */
export async function postgresReachable(): Promise<boolean> {
  const sql = postgres(BENCH_PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 0 });
  }
}

export interface BenchSchema {
  name: string;
  /** BENCH_PG_URL with the schema as search_path (postgres.js passes unknown parameters to the server). */
  url: string;
  /** VACUUM ANALYZE of every table in the schema. */
  vacuum(): Promise<void>;
  /** Drops the schema and everything in it, and closes the admin connection. */
  drop(): Promise<void>;
}

/** A new, empty schema named `prefix_<random>`. */
export async function benchSchema(prefix: string): Promise<BenchSchema> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = postgres(BENCH_PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA "${name}"`);
  const url = new URL(BENCH_PG_URL);
  url.searchParams.set('search_path', name);
  return {
    name,
    url: url.toString(),
    vacuum: () => vacuumSchema(admin, name),
    async drop() {
      await admin.unsafe(`DROP SCHEMA "${name}" CASCADE`);
      await admin.end({ timeout: 1 });
    },
  };
}

/** VACUUM ANALYZE of each table of `schema` (VACUUM runs outside a transaction, one table per statement). */
export async function vacuumSchema(sql: postgres.Sql, schema: string): Promise<void> {
  const tables = await sql<
    { t: string }[]
  >`SELECT tablename AS t FROM pg_tables WHERE schemaname = ${schema}`;
  for (const { t } of tables) await sql.unsafe(`VACUUM ANALYZE "${schema}"."${t}"`);
}
