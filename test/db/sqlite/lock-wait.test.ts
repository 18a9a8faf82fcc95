// Writes that wait for another connection's write lock on the event loop (lockWait: 'loop'): the loop keeps
// running while they wait, they commit in the order asked, and past the busy timeout they fail as before.
// The lock is held by a second real connection in this process, so SQLite's own sleeping wait would stall here.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../../src/db/sqlite/store.js';
import { StorageUnavailableError } from '../../../src/queue/errors.js';
import { newMessage } from '../../helpers/messages.js';
import { type TempDb, tempDb } from '../../helpers/sqlite.js';

const dbs: TempDb[] = [];
const holders: Database.Database[] = [];
const stores: SqliteQueueStore[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) {
    if (h.inTransaction) h.exec('ROLLBACK');
    h.close();
  }
  for (const s of stores.splice(0)) await s.close();
  for (const d of dbs.splice(0)) await d.cleanup();
});

function setUp(busyTimeoutMs = 5000) {
  const d = tempDb();
  dbs.push(d);
  const store = new SqliteQueueStore(openSqlite(d.path, { busyTimeoutMs }), { lockWait: 'loop' });
  stores.push(store);
  const holder = new Database(d.path);
  holders.push(holder);
  return { store, holder };
}

const submit = (store: SqliteQueueStore, id?: string) =>
  store.enqueue(newMessage(id ? { id } : {}), { maxSize: 1000 }, new Date());

/** Resolves after `n` timer callbacks have run: proof that the event loop is not stopped meanwhile. */
async function timersFire(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("a write meeting another connection's lock, with the loop's wait", () => {
  it('waits while the event loop runs and commits once the lock is released', async () => {
    const { store, holder } = setUp();
    await submit(store, 'first');
    holder.exec('BEGIN IMMEDIATE');
    let settled = false;
    const waiting = submit(store, 'second').finally(() => {
      settled = true;
    });
    await timersFire(10);
    expect(settled).toBe(false);
    holder.exec('COMMIT');
    const { message } = await waiting;
    expect(message.version).toBe(1);
    expect(await store.count({})).toBe(2);
  });

  it('commits writes that waited in the order they were asked, before a write asked after the release', async () => {
    const { store, holder } = setUp();
    const appended: string[] = [];
    store.onAppended((events) => {
      for (const e of events) appended.push(e.messageId);
    });
    holder.exec('BEGIN IMMEDIATE');
    const early = ['a', 'b', 'c'].map((name) => submit(store, name));
    await timersFire(3);
    holder.exec('COMMIT');
    const late = submit(store, 'd');
    await Promise.all([...early, late]);
    expect(appended).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails with STORAGE_UNAVAILABLE once the busy timeout has passed, the loop running meanwhile, and writes after', async () => {
    const { store, holder } = setUp(150);
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 5);
    const failed = submit(store).catch((error: unknown) => error);
    const error = await failed;
    clearInterval(ticking);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toMatch(/locked/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(ticks).toBeGreaterThan(5);
    holder.exec('COMMIT');
    await expect(submit(store)).resolves.toMatchObject({ message: { version: 1 } });
  });

  it("leaves the connection's busy timeout as it was for its other writes", async () => {
    const d = tempDb();
    dbs.push(d);
    const db = openSqlite(d.path, { busyTimeoutMs: 1234 });
    const store = new SqliteQueueStore(db, { lockWait: 'loop' });
    stores.push(store);
    const holder = new Database(d.path);
    holders.push(holder);
    await submit(store);
    holder.exec('BEGIN IMMEDIATE');
    const waiting = submit(store);
    await timersFire(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    holder.exec('COMMIT');
    await waiting;
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('lets close() finish the writes still waiting once the lock comes free', async () => {
    const { store, holder } = setUp();
    holder.exec('BEGIN IMMEDIATE');
    const waiting = submit(store);
    const closed = store.close();
    await timersFire(2);
    holder.exec('COMMIT');
    await expect(waiting).resolves.toMatchObject({ message: { version: 1 } });
    await closed;
    const check = new Database(dbs[0]!.path, { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS n FROM messages').get()).toEqual({ n: 1 });
    check.close();
  });
});
