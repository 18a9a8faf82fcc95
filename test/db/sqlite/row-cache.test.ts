// The store settles a message it just claimed from the row it remembers: never from a stale or uncommitted one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteQueueStore } from '../../../src/db/sqlite/store.js';
import { cancel, complete, progress } from '../../../src/queue/transitions.js';
import { newMessage } from '../../helpers/messages.js';
import { tempDb } from '../../helpers/sqlite.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const OK = { result: { ok: true }, review: { required: false, reasons: [] } };

let db: ReturnType<typeof tempDb>;
let a: SqliteQueueStore;
let b: SqliteQueueStore;
beforeEach(() => {
  db = tempDb();
  a = db.open();
  b = db.open();
});
afterEach(() => db.cleanup());

async function claimedByA() {
  const { message } = await a.enqueue(newMessage(), { maxSize: 100 }, T0);
  const [claimed] = await a.claim({ workerId: 'wa', limit: 1, leaseMs: 1000, now: T0 });
  expect(claimed?.id).toBe(message.id);
  return claimed!;
}

describe('a change right after a claim, through the same store', () => {
  it('takes the lease another connection renewed, though the version did not move', async () => {
    const m = await claimedByA();
    expect(await b.renewLeases('wa', [{ id: m.id, attempts: 1 }], 50_000, at(10))).toEqual([]);
    const [out] = await a.change(
      [{ id: m.id, transition: progress({ id: m.id, attempts: 1 }, { step: 1 }) }],
      at(20),
    );
    expect(out).toMatchObject({ ok: true, message: { version: 3, leaseExpiresAt: at(50_010) } });
    expect(await b.get(m.id)).toMatchObject({
      version: 3,
      leaseExpiresAt: at(50_010),
      progress: { step: 1 },
    });
    const history = await b.history(m.id, 2);
    expect(history.map((e) => e.message)).toEqual([await b.get(m.id)]);
  });

  it('sees a change another connection made (a new version) and is fenced out by it', async () => {
    const m = await claimedByA();
    await b.change([{ id: m.id, transition: cancel() }], at(10));
    const [out] = await a.change([{ id: m.id, transition: complete({ id: m.id, attempts: 1 }, OK) }], at(20));
    expect(out).toMatchObject({ ok: false, skipped: true, current: { status: 'CANCELLED', version: 3 } });
    expect(await a.get(m.id)).toMatchObject({ status: 'CANCELLED', version: 3 });
  });

  it('forgets what a rolled-back transaction wrote', async () => {
    const m = await claimedByA();
    const boom = () => {
      throw new Error('not a domain error: the whole batch rolls back');
    };
    await expect(
      a.change(
        [
          { id: m.id, transition: complete({ id: m.id, attempts: 1 }, OK) },
          { id: m.id, transition: boom },
        ],
        at(10),
      ),
    ).rejects.toThrow(/rolls back/);
    expect(await b.get(m.id)).toMatchObject({ status: 'PROCESSING', version: 2 });
    // Another connection writes version 3 itself: the rolled-back version 3 must not be taken for it.
    await b.change([{ id: m.id, transition: progress({ id: m.id, attempts: 1 }, { step: 'b' }) }], at(20));
    const [out] = await a.change([{ id: m.id, transition: complete({ id: m.id, attempts: 1 }, OK) }], at(30));
    expect(out).toMatchObject({
      ok: true,
      message: { status: 'COMPLETED', version: 4, progress: { step: 'b' } },
    });
    expect(await b.get(m.id)).toEqual((out as { message: unknown }).message);
  });
});
