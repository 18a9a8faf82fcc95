// Upkeep on a real SQLite queue with a fake clock: retention clean-up and priority aging against starvation.
import { afterEach, describe, expect, it } from 'vitest';
import { startMaintenance } from '../../src/queue/maintenance.js';
import type { QueueStore } from '../../src/queue/store.js';
import { cancel, complete } from '../../src/queue/transitions.js';
import type { Priority } from '../../src/queue/types.js';
import { tempDb } from '../helpers/sqlite.js';
import { newMessage } from './store.conformance.js';

const dbs: ReturnType<typeof tempDb>[] = [];
afterEach(async () => {
  for (const d of dbs.splice(0)) await d.cleanup();
});
function open(): QueueStore {
  const d = tempDb();
  dbs.push(d);
  return d.open();
}
const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T00:00:00Z').getTime();

describe('retention', () => {
  it('removes COMPLETED and CANCELLED messages older than RETENTION_HOURS, keeping the rest', async () => {
    const store = open();
    let now = T0;
    const m = (priority: Priority = 'NORMAL') =>
      store.enqueue(newMessage({ priority, createdAt: new Date(now) }), { maxSize: 100 }, new Date(now));
    const done = (await m('URGENT')).message;
    const cancelled = (await m()).message;
    const waiting = (await m('LOW')).message;
    const [claimed] = await store.claim({ workerId: 'w', limit: 1, leaseMs: 1000, now: new Date(now) });
    await store.change(
      [
        {
          id: done.id,
          transition: complete(
            { id: done.id, attempts: claimed!.attempts },
            { result: {}, review: { required: false, reasons: [] } },
          ),
        },
        { id: cancelled.id, transition: cancel() },
      ],
      new Date(now),
    );
    const upkeep = startMaintenance({
      store,
      retentionMs: 24 * HOUR,
      agingMs: 0,
      clock: () => new Date(now),
    });
    try {
      now = T0 + 24 * HOUR - 1;
      expect((await upkeep.runOnce()).purged).toBe(0);
      now = T0 + 24 * HOUR + 1;
      expect((await upkeep.runOnce()).purged).toBe(2);
      expect(await store.get(done.id)).toBeNull();
      expect(await store.get(cancelled.id)).toBeNull();
      expect(await store.get(waiting.id)).toMatchObject({ status: 'PENDING' });
      expect(await store.stats(new Date(now), 10)).toMatchObject({
        completedCount: 0,
        cancelledCount: 0,
        pendingCount: 1,
      });
    } finally {
      upkeep.stop();
    }
  });
});

describe('priority aging', () => {
  /** One LOW message, then a HIGH one arriving every 100 ms and one claim every 100 ms: when is LOW taken? */
  async function lowTakenAt(agingMs: number): Promise<number | null> {
    const store = open();
    let now = T0;
    const low = (
      await store.enqueue(
        newMessage({ priority: 'LOW', createdAt: new Date(now) }),
        { maxSize: 10_000 },
        new Date(now),
      )
    ).message;
    const upkeep = startMaintenance({ store, retentionMs: HOUR, agingMs, clock: () => new Date(now) });
    try {
      for (let step = 0; step < 60; step++) {
        now = T0 + step * 100;
        await store.enqueue(
          newMessage({ priority: 'HIGH', createdAt: new Date(now) }),
          { maxSize: 10_000 },
          new Date(now),
        );
        await upkeep.runOnce();
        const [taken] = await store.claim({ workerId: 'w', limit: 1, leaseMs: 1000, now: new Date(now) });
        if (taken?.id === low.id) return now - T0;
      }
      return null;
    } finally {
      upkeep.stop();
    }
  }

  it('without aging, a steady stream of HIGH messages starves a LOW one', async () => {
    expect(await lowTakenAt(0)).toBeNull();
  });

  it('with aging, the LOW message rises one level per step and is taken once it outranks the stream', async () => {
    // LOW -> NORMAL at 1 s -> HIGH at 2 s, where it is the oldest HIGH and goes first.
    expect(await lowTakenAt(1000)).toBe(2000);
  });
});
