// Real PostgreSQL for tests: each suite works in a schema of its own (a random name), dropped afterwards. Without a
// server at TEST_POSTGRES_URL (default the local one) the PostgreSQL suites skip locally and FAIL under CI=true.
import type postgres from 'postgres';
import { describe } from 'vitest';
import { openPostgres, type PostgresOptions } from '../../src/db/postgres/open.js';
import type { PostgresQueueStore } from '../../src/db/postgres/store.js';
import { createSchema, pgReachable } from './pg-schema.js';

export const PG_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test';

const available = await pgReachable(PG_URL);
if (!available) {
  const where = process.env.CI ? 'CI: the PostgreSQL tests will FAIL' : 'skipping the PostgreSQL tests';
  console.warn(`PostgreSQL is not reachable at ${PG_URL}; ${where}.`);
}

/** `describe` when PostgreSQL answers, or in CI (where a missing server must fail); else skipped. */
export const describePostgres = available || process.env.CI ? describe : describe.skip;

/** The engines a suite that runs on both should run on here: PostgreSQL when it answers, and always in CI. */
export const ENGINES =
  available || process.env.CI ? (['SQLite', 'PostgreSQL'] as const) : (['SQLite'] as const);

export interface TempSchema {
  /** Also the application_name of its stores' connections, so a test can find (and cut) them. */
  schema: string;
  /** A DATABASE_URL that selects the schema (`search_path`), for a runtime or a child process. */
  url: string;
  /** A store on the schema, with a small pool; closed by cleanup. */
  open(options?: PostgresOptions): Promise<PostgresQueueStore>;
  /** A plain connection to the schema, for inspecting it; closed by cleanup. */
  admin: postgres.Sql;
  cleanup(): Promise<void>;
}

export async function tempSchema(): Promise<TempSchema> {
  const { name: schema, url, admin, drop } = await createSchema(PG_URL, 't', 6);
  const opened: PostgresQueueStore[] = [];
  return {
    schema,
    url,
    admin,
    async open(options) {
      const store = await openPostgres(PG_URL, {
        poolSize: 3,
        slowPollMs: 200,
        applicationName: schema,
        ...options,
        schema,
      });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      await drop();
    },
  };
}
