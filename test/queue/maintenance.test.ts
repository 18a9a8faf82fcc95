// Upkeep on a real queue of either engine with a fake clock: retention clean-up and priority aging against starvation.
import { afterEach, describe, expect, it } from 'vitest';
import { startMaintenance } from '../../src/queue/maintenance.js';
import type { QueueStore } from '../../src/queue/store.js';
import { cancel, complete, fail } from '../../src/queue/transitions.js';
import type { Priority } from '../../src/queue/types.js';
import type { Engine } from '../helpers/databases.js';
import { newMessage } from '../helpers/messages.js';
import { ENGINES, tempSchema } from '../helpers/postgres.js';
import { tempDb } from '../helpers/sqlite.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
async function openOn(engine: Engine): Promise<QueueStore> {
  if (engine === 'SQLite') {
    const d = tempDb();
    cleanups.push(() => d.cleanup());
    return d.open();
  }
  const schema = await tempSchema();
  cleanups.push(() => schema.cleanup());
  return schema.open();
}
const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T00:00:00Z').getTime();
const S = 1000;

describe.each(ENGINES)('maintenance on %s', (engine) => {
  const open = () => openOn(engine);

  describe('retention', () => {
    it('removes COMPLETED and CANCELLED messages older than RETENTION_HOURS, keeping the rest', async () => {
      const store = await open();
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

  /** Submits at `created`, then takes and finishes the message at `ended` (completed, or failed for good). */
  async function finish(store: QueueStore, created: number, ended: number, failed = false) {
    const m = (
      await store.enqueue(
        newMessage({ createdAt: new Date(created), maxRetries: 0 }),
        { maxSize: 10_000, claimFor: { workerId: 'w', leaseMs: 10 * HOUR } },
        new Date(created),
      )
    ).message;
    const fence = { id: m.id, attempts: m.attempts };
    const transition = failed
      ? fail(fence, 'boom', 0)
      : complete(fence, { result: {}, review: { required: false, reasons: [] } });
    await store.change([{ id: m.id, transition }], new Date(ended));
    return m.id;
  }

  /**
   * Retention finds its rows by seq, searched by time (src/db/sqlite/maintenance.ts): rows are written in time order except across
   * processes whose clocks disagree. These write rows out of order on purpose, as a writer whose clock lags or leads
   * would, and check that the exact times still decide.
   */
  describe('finding rows by time through seq', () => {
    it('purges what finished before the cut-off, however created and written', async () => {
      const store = await open();
      const early: string[] = [];
      for (let i = 0; i < 200; i++) early.push(await finish(store, T0 + i * S, T0 + i * S + 500));
      // Created early, finished long after the cut-off: must stay.
      const long = await finish(store, T0 + 10 * S, T0 + 1000 * S);
      // Written after later ones by a writer whose clock is 49 s behind, finished before the cut-off: must go.
      const lagging = await finish(store, T0 + 150 * S, T0 + 150 * S + 500);
      const later: string[] = [];
      for (let i = 300; i < 400; i++) later.push(await finish(store, T0 + i * S, T0 + i * S + 500));

      expect(await store.purge(new Date(T0 + 180 * S))).toBe(181);
      for (const id of early.slice(0, 180)) expect(await store.get(id)).toBeNull();
      expect(await store.get(lagging)).toBeNull();
      for (const id of [...early.slice(180), long, ...later]) expect(await store.get(id)).not.toBeNull();
      expect((await store.stats(new Date(T0 + 180 * S), 10)).completedCount).toBe(20 + 1 + 100);

      expect(await store.purge(new Date(T0 + 2000 * S))).toBe(121);
      expect((await store.stats(new Date(T0 + 2000 * S), 10)).completedCount).toBe(0);
    });
  });

  describe('the recent attempts (error rate, mean processing time)', () => {
    it('counts the attempts ended in the last five minutes, in 10-second steps, in whatever order written', async () => {
      const store = await open();
      const now = T0 + 3600 * S + 4321;
      // One attempt every 7 s for the hour before now, every fifth failing, each 100 ms long; written shuffled, as
      // writers on one file whose clocks disagree would write them.
      const ends: { at: number; failed: boolean }[] = [];
      for (let at = T0; at < now; at += 7 * S) ends.push({ at, failed: ends.length % 5 === 0 });
      const shuffled = ends
        .map((e, i) => ({ e, key: (i * 7919) % ends.length }))
        .sort((a, b) => a.key - b.key);
      for (const { e } of shuffled) await finish(store, e.at - 100, e.at, e.failed);

      // The window starts at the 10-second step that holds now - 5 min: up to 10 s more, never less.
      const from = Math.floor((now - 5 * 60 * S) / (10 * S)) * 10 * S;
      const inWindow = ends.filter((e) => e.at >= from);
      expect(inWindow.length).toBeGreaterThanOrEqual(Math.floor((5 * 60) / 7));
      const stats = await store.stats(new Date(now), 10);
      expect(stats.recentAttempts).toBe(inWindow.length);
      expect(stats.recentErrorRate).toBeCloseTo(
        inWindow.filter((e) => e.failed).length / inWindow.length,
        10,
      );
      expect(stats.meanProcessingMs).toBe(100);
      // Nothing in the window: no rate and no mean, rather than zeros.
      expect(await store.stats(new Date(now + HOUR), 10)).toMatchObject({
        recentAttempts: 0,
        recentErrorRate: null,
        meanProcessingMs: null,
      });
    });

    it('keeps an hour of steps: older ones are dropped once a newer step starts', async () => {
      const store = await open();
      await finish(store, T0 - 100, T0, true);
      await finish(store, T0 + 30 * S - 100, T0 + 30 * S, false);
      expect((await store.stats(new Date(T0 + 60 * S), 10)).recentAttempts).toBe(2);
      await finish(store, T0 + 2 * HOUR - 100, T0 + 2 * HOUR, false);
      expect((await store.stats(new Date(T0 + 60 * S), 10)).recentAttempts).toBe(0);
      expect((await store.stats(new Date(T0 + 2 * HOUR), 10)).recentAttempts).toBe(1);
    });
  });

  describe('priority aging', () => {
    /** One LOW message, then a HIGH one arriving every 100 ms and one claim every 100 ms: when is LOW taken? */
    async function lowTakenAt(agingMs: number): Promise<number | null> {
      const store = await open();
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
});
