// Opens the PostgreSQL store: the connection pool, the migrations (under a lock), the wake-up listener.
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres, { type Options, type PostgresType } from 'postgres';
import { StorageUnavailableError } from '../../queue/errors.js';
import { storageFault } from './faults.js';
import { applyMigrations } from './migrate.js';
import { PostgresQueueStore } from './store.js';
import { Wakeups } from './wakeups.js';

export interface PostgresOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE); the wake-up listener holds one more. Default 10. */
  poolSize?: number;
  /** The schema the tables live in (tests use one per suite); default the server's search_path. */
  schema?: string;
  /** How long to keep trying to reach the database at start before giving up. Default 30,000 ms. */
  connectTimeoutMs?: number;
  /** Called after each failed attempt to reach the database at start, before waiting `delayMs`. */
  onRetry?: (error: unknown, delayMs: number) => void;
  /** While the listener is down, the log is read once per this many ms. Default 1000. */
  slowPollMs?: number;
  /** Whether to LISTEN for other processes' commits (DATABASE_LISTEN); false: read the log every `slowPollMs`. */
  listen?: boolean;
  /** How the connections appear in pg_stat_activity. Default `quote-queue`. */
  applicationName?: string;
}

/** int8 as JavaScript numbers: seqs and millisecond times stay far below 2^53. */
const INT8: PostgresType = {
  to: 20,
  from: [20],
  serialize: (x: number) => String(x),
  parse: (x: string) => Number(x),
};

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresQueueStore> {
  const settings = poolSettings(options);
  const sql = postgres(url, settings) as unknown as postgres.Sql;
  try {
    await reach(sql, options);
    await applyMigrations(sql);
    const [row] = await sql<{ key: number; schema: string }[]>`SELECT hashtext(current_schema()) AS key,
      current_schema() AS schema`;
    const channel = `quote_queue_log:${row!.schema}`.slice(0, 63);
    const origin = randomUUID().slice(0, 8);
    const wakeups = new Wakeups(url, settings, { channel, origin, slowPollMs: options.slowPollMs });
    if (options.listen !== false) await wakeups.start();
    return new PostgresQueueStore({
      sql,
      orm: drizzle({ client: sql }),
      keys: { schema: row!.key },
      channel,
      origin,
      wakeups,
    });
  } catch (error) {
    await sql.end({ timeout: 0 });
    const reason = storageFault(error);
    if (reason)
      throw new StorageUnavailableError(`${reason}: PostgreSQL at ${hostOf(url)}, ${messageOf(error)}`);
    throw error;
  }
}

/**
 * A bare pool on the store's database with the store's connection settings, for a part that runs apart from the
 * store (the webhook thread): no migrations (the store applied them), no listener.
 */
export async function openPool(url: string, options: PostgresOptions = {}): Promise<postgres.Sql> {
  const sql = postgres(url, poolSettings(options)) as unknown as postgres.Sql;
  try {
    await reach(sql, options);
    return sql;
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw error;
  }
}

function poolSettings(options: PostgresOptions): Options<Record<string, PostgresType>> {
  return {
    max: options.poolSize ?? 10,
    types: { int8: INT8 },
    onnotice: () => {},
    connect_timeout: 10,
    // Seconds before a closed connection is tried again. The driver's default grows to 20 s, and a statement that
    // needs a connection meanwhile waits that long: capped at 1 s, an outage answers STORAGE_UNAVAILABLE and its
    // end is noticed within about a second.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    connection: {
      application_name: options.applicationName ?? 'quote-queue',
      ...(options.schema ? { search_path: options.schema } : {}),
    },
  };
}

/** Waits for the database to answer, retrying with backoff until `connectTimeoutMs`. */
async function reach(sql: postgres.Sql, options: PostgresOptions): Promise<void> {
  const deadline = Date.now() + (options.connectTimeoutMs ?? 30_000);
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`SELECT 1`;
      return;
    } catch (error) {
      const delayMs = Math.min(5000, 250 * 2 ** attempt);
      if (!storageFault(error) || Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(error, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The server's host and port, never the credentials. */
function hostOf(url: string): string {
  try {
    return new URL(url).host || 'the default host';
  } catch {
    return 'the configured host';
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
