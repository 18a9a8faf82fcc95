// Data written by earlier versions of the schema still reads back whole after the later migrations run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FORMAT_2_KEYS } from '../../../src/db/legacy-snapshots.js';
import { storedMessage } from '../../../src/db/new-message.js';
import { type MessageRow, messageToRow } from '../../../src/db/rows.js';
import { applyMigrations, MIGRATIONS_FOLDER } from '../../../src/db/sqlite/migrate.js';
import { openSqlite } from '../../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../../src/db/sqlite/store.js';
import { complete } from '../../../src/queue/transitions.js';
import type { Message } from '../../../src/queue/types.js';
import { newMessage } from '../../helpers/messages.js';
import { migrationsUpTo } from '../../helpers/migrations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Columns of the messages table before migrations 0007, 0008, 0010 and 0011 (scheduling, fairness, checkpoints, options). */
const before7 = (column: string) =>
  column !== 'run_at' &&
  column !== 'due_at' &&
  column !== 'fair_round' &&
  column !== 'checkpoint' &&
  column !== 'options';

function version(base: Message, v: number, over: Partial<Message>): Message {
  return { ...base, ...over, version: v };
}

describe('migrations over existing data', () => {
  it('reads back events of every snapshot format as the whole message, and keeps the status counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quotes-old-'));
    dirs.push(dir);
    const path = join(dir, 'quotes.db');
    const base: Message = {
      ...storedMessage(
        newMessage({
          id: 'old-message',
          priority: 'HIGH',
          payload: { applicant: 'Old Data', amount: 250_000 },
          createdAt: new Date(T0),
        }),
      ),
      seq: 1,
    };
    const v1 = base;
    const v2 = version(base, 2, {
      status: 'PROCESSING',
      attempts: 1,
      startedAt: new Date(T0 + 10),
      leaseOwner: 'w1',
      leaseExpiresAt: new Date(T0 + 60_010),
    });
    const v3 = version(v2, 3, { progress: { step: 'rated' } });
    const v4 = version(v3, 4, { payload: { applicant: 'Old Data', amount: 300_000 } });
    const v5 = version(v4, 5, { progress: { step: 'checked' } });
    const other: Message = { ...base, id: 'old-pending', seq: 2 };

    // The schema before migration 0003: snapshots are the row as a JSON object, payload included.
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    applyMigrations(old, migrationsUpTo(MIGRATIONS_FOLDER, 3));
    const insert = (m: Message) => {
      const row = messageToRow(m) as unknown as Record<string, unknown>;
      const columns = Object.keys(row).filter(before7);
      old
        .prepare(
          `INSERT INTO messages (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
        )
        .run(row);
    };
    const update = (m: Message) => {
      const row = messageToRow(m) as unknown as Record<string, unknown>;
      const columns = Object.keys(row).filter((c) => c !== 'seq' && before7(c));
      old
        .prepare(`UPDATE messages SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE seq = @seq`)
        .run(row);
    };
    const formatOne = old.prepare(
      'INSERT INTO message_events (message_id, version, at, kind, snapshot) VALUES (?, ?, ?, ?, ?)',
    );
    insert(v1);
    formatOne.run(v1.id, 1, T0, 'enqueued', JSON.stringify(messageToRow(v1)));
    update(v2);
    formatOne.run(v2.id, 2, T0 + 10, 'claimed', JSON.stringify(messageToRow(v2)));
    update(v3);
    formatOne.run(v3.id, 3, T0 + 20, 'progress', JSON.stringify(messageToRow(v3)));
    insert(other);
    formatOne.run(other.id, 1, T0 + 25, 'enqueued', JSON.stringify(messageToRow(other)));
    // An attempt row of that time: found by the message's id then, by its seq since migration 0004.
    old
      .prepare(
        'INSERT INTO attempts (message_id, attempt, worker_id, started_at, ended_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(base.id, 0, 'w0', T0, T0 + 5, 'LOST', 'an earlier worker died');
    old.close();

    // After 0003: array snapshots without the payload, which is in its own column only when it changed.
    const mid = new Database(path);
    applyMigrations(mid, migrationsUpTo(MIGRATIONS_FOLDER, 4));
    const formatTwo = mid.prepare(
      'INSERT INTO message_events (message_id, version, at, kind, snapshot, payload) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const write = (m: Message, at: number, kind: string, payloadChanged: boolean) => {
      const row: MessageRow = messageToRow(m);
      const columns = Object.keys(row).filter((c) => c !== 'seq' && before7(c));
      mid
        .prepare(`UPDATE messages SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE seq = @seq`)
        .run(row);
      // Format 2, written then with the id in the snapshot (slot 2); since 0006 it is left out, and read from
      // message_id. The columns options replaced held their defaults.
      const old: Record<string, unknown> = {
        ...row,
        id: m.id,
        payload: null,
        use_agentic: 0,
        simulate: null,
      };
      const snapshot = [2, ...FORMAT_2_KEYS.map((k) => old[k] ?? null)];
      formatTwo.run(m.id, m.version, at, kind, JSON.stringify(snapshot), payloadChanged ? row.payload : null);
    };
    write(v4, T0 + 30, 'payload', true);
    write(v5, T0 + 40, 'progress', false);
    mid.close();

    const store = new SqliteQueueStore(openSqlite(path));
    try {
      const expected = [v1, v2, v3, v4, v5];
      const history = await store.history(base.id, 0);
      expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      expect(history.map((e) => e.message)).toEqual(expected);
      const log = (await store.eventsAfter(0, 100)).filter((e) => e.messageId === base.id);
      expect(log.map((e) => e.message)).toEqual(expected);
      expect(await store.get(base.id)).toEqual(v5);

      // The counts the triggers kept carry over, and the store keeps them from here on.
      expect(await store.count({ statuses: ['PROCESSING'] })).toBe(1);
      expect(await store.count({ statuses: ['PENDING'] })).toBe(1);
      const [done] = await store.change(
        [
          {
            id: base.id,
            transition: complete(
              { id: base.id, attempts: 1 },
              { result: { premium: 1 }, review: { required: false, reasons: [] } },
            ),
          },
        ],
        new Date(T0 + 50),
      );
      expect(done).toMatchObject({ ok: true, message: { status: 'COMPLETED', version: 6 } });
      const after = await store.history(base.id, 4);
      expect(after.map((e) => e.message.payload)).toEqual([v5.payload, v5.payload]);
      expect(after[1]!.message).toMatchObject({ status: 'COMPLETED', result: { premium: 1 }, version: 6 });
      expect(await store.count({ statuses: ['PROCESSING'] })).toBe(0);
      expect(await store.count({ statuses: ['COMPLETED'] })).toBe(1);
      const [claimed] = await store.claim({
        workerId: 'w2',
        limit: 1,
        leaseMs: 1000,
        now: new Date(T0 + 60),
      });
      expect(claimed).toMatchObject({ id: other.id, version: 2 });
      expect((await store.history(other.id, 0)).map((e) => e.message.payload)).toEqual([
        other.payload,
        other.payload,
      ]);
      const stats = await store.stats(new Date(T0 + 60), 100);
      expect(stats).toMatchObject({ pendingCount: 0, processingCount: 1, completedCount: 1 });
      // Attempts ended before migration 0006 (their own table) and after it (on events) count alike.
      expect(stats).toMatchObject({ recentAttempts: 2, recentErrorRate: 0.5, meanProcessingMs: 40 });
      const attempts = await store.attemptsOf(base.id);
      expect(attempts.map((a) => a.outcome)).toEqual(['LOST', 'COMPLETED']);
      expect(attempts[1]).toEqual({
        messageId: base.id,
        attempt: 1,
        workerId: v5.leaseOwner,
        startedAt: v5.startedAt,
        endedAt: new Date(T0 + 50),
        outcome: 'COMPLETED',
        error: null,
      });
      expect(await store.attemptsOf(other.id)).toEqual([]);
      // Purging removes the message with its events and attempts, old and new alike.
      expect(await store.purge(new Date(T0 + 100))).toBe(1);
      expect(await store.history(base.id, 0)).toEqual([]);
      expect(await store.attemptsOf(base.id)).toEqual([]);
      expect(await store.count({ statuses: ['COMPLETED'] })).toBe(0);
    } finally {
      await store.close();
    }
  });
});
