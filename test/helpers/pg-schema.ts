// A throwaway PostgreSQL schema and a reachability probe, shared by the tests (test/helpers/postgres.ts) and the
// benchmarks (bench/pg.ts). No vitest here: the benchmarks import it outside a test run.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** Whether PostgreSQL answers at `url` within a few seconds. */
export async function pgReachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 0 });
  }
}

export interface SchemaOnServer {
  /** `prefix_<random hex>`. */
  name: string;
  /**
   * `url` with the schema as search_path and as application_name (postgres.js passes unknown parameters to the
   * server), for a store, a runtime or a child process; the application name lets a test find its connections.
   */
  url: string;
  /** A small pool of its own on the schema (search_path set), for setting up and inspecting it. */
  admin: postgres.Sql;
  /** Drops the schema and everything in it, and closes `admin`. */
  drop(): Promise<void>;
}

/** Creates a new, empty schema named `prefix_<random hex>` on the server at `url`. */
export async function createSchema(url: string, prefix: string, hexBytes = 5): Promise<SchemaOnServer> {
  const name = `${prefix}_${randomBytes(hexBytes).toString('hex')}`;
  const admin = postgres(url, { max: 2, onnotice: () => {}, connection: { search_path: name } });
  await admin.unsafe(`CREATE SCHEMA "${name}"`);
  const withSchema = new URL(url);
  withSchema.searchParams.set('search_path', name);
  withSchema.searchParams.set('application_name', name);
  return {
    name,
    url: withSchema.toString(),
    admin,
    async drop() {
      await admin.unsafe(`DROP SCHEMA "${name}" CASCADE`);
      await admin.end({ timeout: 1 });
    },
  };
}
