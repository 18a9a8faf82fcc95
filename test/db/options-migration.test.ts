// Messages stored before `options` (migration 0011 on SQLite, 0006 on PostgreSQL) held two columns of their own for
// the processor; after the migration their rows and their events already in the log read back with those values in
// `options`, and new events carry it.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations as applyPostgres,
  MIGRATIONS_FOLDER as PG_FOLDER,
} from '../../src/db/postgres/migrate.js';
import { snapshotRow } from '../../src/db/rows.js';
import {
  applyMigrations as applySqlite,
  MIGRATIONS_FOLDER as SQLITE_FOLDER,
} from '../../src/db/sqlite/migrate.js';
import type { QueueStore } from '../../src/queue/store.js';
import type { Json } from '../../src/queue/types.js';
import { migrationsUpTo } from '../helpers/migrations.js';
import { ENGINES, tempSchema } from '../helpers/postgres.js';
import { tempDb } from '../helpers/sqlite.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const PAYLOAD = '{"applicantName":"Old Data","coverageAmount":250000}';

/** The messages stored before the migration: their two columns, and the options they must read back with. */
const OLD = [
  { id: 'plain', useAgentic: 0, simulate: null, options: null },
  { id: 'agentic', useAgentic: 1, simulate: null, options: { useAgentic: true } },
  { id: 'faulty', useAgentic: 0, simulate: '{"failAttempts":2}', options: { simulate: { failAttempts: 2 } } },
  {
    id: 'both',
    useAgentic: 1,
    simulate: '{"processingMs":5,"failPermanently":true}',
    options: { useAgentic: true, simulate: { processingMs: 5, failPermanently: true } },
  },
] as const;

/** A format-2 snapshot of a PENDING message at version 1, as snapshotText wrote it before `options`. */
function formatTwo(seq: number, useAgentic: number, simulate: string | null): string {
  // biome-ignore format: one value per key of the format, in its order
  return JSON.stringify([2, seq, null, 'PENDING', 2, 2, T0, T0, null, null, null, 0, 3, 300, null, 0, 1, 0, null,
    null, null, useAgentic, simulate, null, null, 'NOT_REQUIRED', '[]', null, null, null, 'alice', null, null, null,
    0, null]);
}

/** Old-schema rows and their `enqueued` events, as the code of that time stored them. */
const INSERT_MESSAGE = `INSERT INTO messages (seq, id, status, priority, effective_priority, created_at, queued_at,
    max_retries, timeout_seconds, version, payload, use_agentic, simulate, owner)
  VALUES ($1, $2, 'PENDING', 2, 2, ${T0}, ${T0}, 3, 300, 1, $3, $4, $5, 'alice')`;
const INSERT_EVENT = `INSERT INTO message_events (message_id, message_seq, version, at, kind, snapshot, payload)
  VALUES ($1, $2, 1, ${T0}, 'enqueued', $3, $4)`;
const rows = () =>
  OLD.map((m, i) => ({
    message: [i + 1, m.id, PAYLOAD, m.useAgentic, m.simulate],
    event: [m.id, i + 1, formatTwo(i + 1, m.useAgentic, m.simulate), PAYLOAD],
  }));

/** A store on a database at the migration before `options`, holding OLD, migrated as it opens. */
async function oldDatabase(
  engine: (typeof ENGINES)[number],
): Promise<{ store: QueueStore; columns(): Promise<string[]> }> {
  if (engine === 'SQLite') {
    const db = tempDb();
    cleanups.push(() => db.cleanup());
    const old = new Database(db.path);
    applySqlite(old, migrationsUpTo(SQLITE_FOLDER, 11));
    const positional = (sql: string) => sql.replace(/\$\d/g, '?');
    for (const r of rows()) {
      old.prepare(positional(INSERT_MESSAGE)).run(...r.message);
      old.prepare(positional(INSERT_EVENT)).run(...r.event);
    }
    old.close();
    const store = db.open();
    const columns = async () => {
      const check = new Database(db.path, { readonly: true });
      try {
        return (check.prepare('PRAGMA table_info(messages)').all() as { name: string }[]).map((c) => c.name);
      } finally {
        check.close();
      }
    };
    return { store, columns };
  }
  const schema = await tempSchema();
  cleanups.push(() => schema.cleanup());
  await applyPostgres(schema.admin, migrationsUpTo(PG_FOLDER, 6));
  for (const r of rows()) {
    await schema.admin.unsafe(INSERT_MESSAGE, r.message);
    await schema.admin.unsafe(INSERT_EVENT, r.event);
  }
  const store = await schema.open();
  const columns = async () =>
    (
      await schema.admin<{ column_name: string }[]>`
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = ${schema.schema} AND table_name = 'messages'`
    ).map((c) => c.column_name);
  return { store, columns };
}

describe.each(ENGINES)('options after the migration that added them (%s)', (engine) => {
  it('reads the earlier columns back as options, from the rows and from the events already in the log', async () => {
    const { store, columns } = await oldDatabase(engine);
    for (const m of OLD) {
      const message = await store.get(m.id);
      expect(message).toMatchObject({ id: m.id, status: 'PENDING', version: 1, owner: 'alice' });
      expect(message!.options).toEqual(m.options);
      const [enqueued] = await store.history(m.id, 0);
      expect(enqueued!.message).toEqual(message);
    }
    const log = await store.eventsAfter(0, 100);
    expect(log.map((e) => [e.messageId, e.message.options])).toEqual(OLD.map((m) => [m.id, m.options]));
    expect(await columns()).toContain('options');
    expect(await columns()).not.toContain('use_agentic');
    expect(await columns()).not.toContain('simulate');

    // New events carry the options: the claim's snapshot reads back with them.
    const claimed = await store.claim({ workerId: 'w1', limit: 10, leaseMs: 60_000, now: new Date(T0 + 10) });
    expect(claimed.map((m) => [m.id, m.options])).toEqual(OLD.map((m) => [m.id, m.options]));
    for (const m of OLD) {
      const history = await store.history(m.id, 0);
      expect(history.map((e) => [e.kind, e.message.options as Json])).toEqual([
        ['enqueued', m.options],
        ['claimed', m.options],
      ]);
    }
  });
});

describe('event snapshots of every format', () => {
  it('reads a format-1 snapshot (the row as an object) with its two columns as options', () => {
    const row = {
      ...JSON.parse(JSON.stringify({ seq: 1, id: 'one', status: 'PENDING', payload: PAYLOAD })),
      use_agentic: 1,
      simulate: '{"failAttempts":1}',
    };
    expect(JSON.parse(snapshotRow(JSON.stringify(row), null, 'one').options!)).toEqual({
      useAgentic: true,
      simulate: { failAttempts: 1 },
    });
    expect(
      snapshotRow(JSON.stringify({ ...row, use_agentic: 0, simulate: null }), null, 'one').options,
    ).toBeNull();
  });

  it('refuses a format it does not know', () => {
    expect(() => snapshotRow('[4, 1]', null, 'x')).toThrow('unknown snapshot format 4');
  });
});
