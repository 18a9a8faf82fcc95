// The local PostgreSQL for the PostgreSQL workloads (bench/postgres.ts): a schema of its own for each subject's
// run, created and dropped, and VACUUM ANALYZE after seeding (the local server runs with autovacuum off, so a
// freshly seeded table has no statistics for the planner unless someone gathers them).
import { userInfo } from 'node:os';
import type postgres from 'postgres';
import { createSchema, pgReachable } from '../test/helpers/pg-schema.js';

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
export const postgresReachable = () => pgReachable(BENCH_PG_URL);

export interface BenchSchema {
  name: string;
  /** BENCH_PG_URL with the schema as search_path and application_name. */
  url: string;
  /** VACUUM ANALYZE of every table in the schema. */
  vacuum(): Promise<void>;
  /** Drops the schema and everything in it, and closes the admin connection. */
  drop(): Promise<void>;
}

/** A new, empty schema named `prefix_<random>`. */
export async function benchSchema(prefix: string): Promise<BenchSchema> {
  const { name, url, admin, drop } = await createSchema(BENCH_PG_URL, prefix);
  return { name, url, vacuum: () => vacuumSchema(admin, name), drop };
}

/** VACUUM ANALYZE of each table of `schema` (VACUUM runs outside a transaction, one table per statement). */
export async function vacuumSchema(sql: postgres.Sql, schema: string): Promise<void> {
  const tables = await sql<
    { t: string }[]
  >`SELECT tablename AS t FROM pg_tables WHERE schemaname = ${schema}`;
  for (const { t } of tables) await sql.unsafe(`VACUUM ANALYZE "${schema}"."${t}"`);
}
