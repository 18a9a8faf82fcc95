// Opens the queue's store for DATABASE_URL, picking the engine by the URL: the one place that knows the engines.
import type Database from 'better-sqlite3';
import type { Config } from '../config.js';
import type { QueueStore } from '../queue/store.js';
import type { TraceStore } from '../tracing/store.js';
import type { WebhookStore } from '../webhooks/types.js';
import { lastEventSeq } from './postgres/events.js';
import { openPool, openPostgres } from './postgres/open.js';
import { PostgresWebhookStore } from './postgres/webhooks.js';
import { prepareEvents } from './sqlite/events.js';
import { guard } from './sqlite/faults.js';
import { openSqlite, sqliteFilename } from './sqlite/open.js';
import { SqliteQueueStore } from './sqlite/store.js';
import { SqliteWebhookStore } from './sqlite/webhooks.js';

export type Engine = 'sqlite' | 'postgres';

export type StoreConfig = Pick<
  Config,
  'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'SQLITE_SYNCHRONOUS' | 'SQLITE_MAX_PAGES'
> &
  Partial<Pick<Config, 'DATABASE_LISTEN'>>;

export interface OpenStoreOptions {
  /**
   * Test hook for storage-fault tests: receives the SQLite connection once it is open, e.g. to make it read-only
   * (`PRAGMA query_only`) or change its size cap. Never used by the service itself.
   */
  onSqliteOpen?: (db: Database.Database) => void;
  /** Called when the database server cannot be reached at start, before each wait and retry (PostgreSQL). */
  onRetry?: (reason: string, delayMs: number) => void;
  /** PostgreSQL without LISTEN: how often the log is read for other processes' changes. Default 1000 ms. */
  pollMs?: number;
  /** SQLite: how the queue's writes wait for another process's write lock (StoreOptions.lockWait). */
  sqliteLockWait?: 'sleep' | 'loop';
}

/** `postgres://` and `postgresql://` URLs are PostgreSQL; anything else (a path, `file:`, `:memory:`) is SQLite. */
export function engineOf(url: string): Engine {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<QueueStore> {
  if (engineOf(config.DATABASE_URL) === 'postgres') {
    return openPostgres(config.DATABASE_URL, {
      poolSize: config.DATABASE_POOL_SIZE,
      listen: config.DATABASE_LISTEN,
      slowPollMs: options.pollMs,
      onRetry: (error, delayMs) => options.onRetry?.(errorText(error), delayMs),
    });
  }
  const db = openSqlite(config.DATABASE_URL, {
    synchronous: config.SQLITE_SYNCHRONOUS,
    maxPageCount: config.SQLITE_MAX_PAGES,
  });
  options.onSqliteOpen?.(db);
  return new SqliteQueueStore(db, { lockWait: options.sqliteLockWait });
}

/** The webhook store on the same database as `store` (opened by openStore). */
export function webhookStoreOf(store: QueueStore): WebhookStore {
  const webhooks = (store as { webhooks?: WebhookStore }).webhooks;
  if (!webhooks) throw new Error('this store has no webhook tables');
  return webhooks;
}

/** Whether a second connection sees the same database (everything but an in-memory SQLite database). */
export function shareable(url: string): boolean {
  return engineOf(url) === 'postgres' || sqliteFilename(url) !== ':memory:';
}

/** The webhook tables and the log's last position on connections of their own (the webhook thread's). */
export interface WebhookConnection {
  webhooks: WebhookStore;
  lastEventSeq(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens the webhook tables of the database the store opened (`shareable`: not in memory), on their own connection:
 * one SQLite connection, or a PostgreSQL pool of `poolSize`. The store applied the migrations already.
 */
export async function openWebhookConnection(config: StoreConfig, poolSize = 2): Promise<WebhookConnection> {
  if (engineOf(config.DATABASE_URL) === 'postgres') {
    const sql = await openPool(config.DATABASE_URL, { poolSize, applicationName: 'quote-queue-webhooks' });
    return {
      webhooks: new PostgresWebhookStore(sql),
      lastEventSeq: () => lastEventSeq(sql),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const db = openSqlite(config.DATABASE_URL, {
    synchronous: config.SQLITE_SYNCHRONOUS,
    maxPageCount: config.SQLITE_MAX_PAGES,
    migrate: false,
  });
  // The store's checkpointer bounds the log; a checkpoint inside this connection's commits would only compete.
  db.pragma('wal_autocheckpoint = 0');
  const events = prepareEvents(db);
  return {
    webhooks: new SqliteWebhookStore(db),
    lastEventSeq: async () => guard(() => events.lastEventSeq()),
    close: async () => {
      db.close();
    },
  };
}

/** The traceparent store on the same database as `store` (opened by openStore). */
export function traceStoreOf(store: QueueStore): TraceStore {
  const traces = (store as { traces?: TraceStore }).traces;
  if (!traces) throw new Error('this store has no trace table');
  return traces;
}

/** A driver error in a few words (its code and message), never the URL or its credentials. */
function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
