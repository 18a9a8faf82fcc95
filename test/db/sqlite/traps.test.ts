// The known traps of SQLite under this stack, each provoked for real: lock waits, read-only files, WAL growth.
import { chmodSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_KIB, openSqlite } from '../../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../../src/db/sqlite/store.js';
import { StorageUnavailableError } from '../../../src/queue/errors.js';
import { complete } from '../../../src/queue/transitions.js';
import { type Child, spawnTs } from '../../helpers/child.js';
import { newMessage } from '../../helpers/messages.js';
import { tempDb } from '../../helpers/sqlite.js';

const dbs: ReturnType<typeof tempDb>[] = [];
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  for (const d of dbs.splice(0)) await d.cleanup();
});
const fresh = () => {
  const d = tempDb();
  dbs.push(d);
  return d;
};

describe('another process holding the write lock', () => {
  it('makes writers wait for it (IMMEDIATE transactions honour the busy timeout) instead of failing at once', async () => {
    const d = fresh();
    const store = d.open();
    await store.enqueue(newMessage(), { maxSize: 100 }, new Date());
    // A reader connection that has read first and then writes is the DEFERRED trap: show it exists.
    const raw = new Database(d.path, { timeout: 5000 });
    const holder = await spawnTs(
      'test/helpers/lock-holder.ts',
      { QUEUE_DB: d.path, HOLD_MS: '400' },
      'locked',
    );
    children.push(holder);
    raw.exec('BEGIN DEFERRED');
    raw.prepare('SELECT COUNT(*) FROM messages').get();
    const before = Date.now();
    let code: unknown;
    try {
      raw.prepare("UPDATE status_counts SET n = n WHERE status = 'PENDING'").run();
    } catch (error) {
      code = (error as { code?: unknown }).code;
    }
    // SQLITE_BUSY at once, though the busy timeout is 5 s: waiting could deadlock, so SQLite does not.
    expect(code).toBe('SQLITE_BUSY');
    expect(Date.now() - before).toBeLessThan(1000);
    raw.exec('ROLLBACK');
    raw.close();
    // The store's own writes take the lock up front and wait for the holder rather than failing.
    const started = Date.now();
    const { message } = await store.enqueue(newMessage(), { maxSize: 100 }, new Date());
    expect(message.version).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(await holder.exited).toBe(0);
  });

  it('answers STORAGE_UNAVAILABLE when the lock is held past the busy timeout, and recovers after', async () => {
    const d = fresh();
    const store = new SqliteQueueStore(openSqlite(d.path, { busyTimeoutMs: 100 }));
    const holder = await spawnTs(
      'test/helpers/lock-holder.ts',
      { QUEUE_DB: d.path, HOLD_MS: '1500' },
      'locked',
    );
    children.push(holder);
    await expect(store.enqueue(newMessage(), { maxSize: 100 }, new Date())).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    await expect(store.checkWritable()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await holder.exited).toBe(0);
    await store.checkWritable();
    await expect(store.enqueue(newMessage(), { maxSize: 100 }, new Date())).resolves.toMatchObject({
      created: true,
    });
    await store.close();
  });
});

describe('a read-only database', () => {
  it('answers STORAGE_UNAVAILABLE for writes and still serves reads', async () => {
    const d = fresh();
    const writer = d.open();
    const { message } = await writer.enqueue(newMessage(), { maxSize: 100 }, new Date());
    await writer.close();
    const readOnly = new SqliteQueueStore(new Database(d.path, { readonly: true }));
    await expect(readOnly.enqueue(newMessage(), { maxSize: 100 }, new Date())).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      message: expect.stringMatching(/read-only/),
    });
    expect(await readOnly.get(message.id)).toMatchObject({ id: message.id });
    await readOnly.close();
  });

  it('answers STORAGE_UNAVAILABLE when the file loses write permission', async () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes, so flip SQLite's own switch instead: the same error path.
      const d = fresh();
      const store = d.open();
      (store as unknown as { db: Database.Database }).db.pragma('query_only = ON');
      await expect(store.enqueue(newMessage(), { maxSize: 100 }, new Date())).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
      });
      return;
    }
    const d = fresh();
    const store = d.open();
    chmodSync(d.path, 0o444);
    await expect(store.enqueue(newMessage(), { maxSize: 100 }, new Date())).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    });
  });
});

describe('the write-ahead log', () => {
  it('stays bounded under sustained writes: checkpoints keep up and the journal is capped', async () => {
    const d = fresh();
    // ~29 MB of log in all: the writer restarts the log each time it reaches 1,500 pages (~6 MB).
    const store = d.open({ checkpointer: { restartPages: 1500 } });
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: 200 }, () => newMessage({ payload: { filler: 'x'.repeat(500) } }));
      await store.enqueueMany(batch, { maxSize: 1_000_000 }, new Date());
      const claimed = await store.claim({ workerId: 'w', limit: 200, leaseMs: 10_000, now: new Date() });
      await store.change(
        claimed.map((m) => ({
          id: m.id,
          transition: complete(
            { id: m.id, attempts: m.attempts },
            { result: {}, review: { required: false, reasons: [] } },
          ),
        })),
        new Date(),
      );
    }
    // The checkpoint thread copies the log as it fills and the writer restarts it: it never grows far past that.
    expect(statSync(`${d.path}-wal`).size).toBeLessThan(16 * 1024 * 1024);
    expect((await store.stats(new Date(), 1)).completedCount).toBe(6000);
  });
});

describe('the page cache', () => {
  // A commit that moved b-tree pages walks the whole cache (see DEFAULT_CACHE_KIB): its size is a cost on writes,
  // measured by the bench's drain anatomy. This pins what every connection opens with.
  it('is DEFAULT_CACHE_KIB unless the opener asks for another size', () => {
    const d = fresh();
    const db = openSqlite(d.path);
    expect(db.pragma('cache_size', { simple: true })).toBe(-DEFAULT_CACHE_KIB);
    db.close();
    const sized = openSqlite(d.path, { cacheKiB: 32_000 });
    expect(sized.pragma('cache_size', { simple: true })).toBe(-32_000);
    sized.close();
  });
});
