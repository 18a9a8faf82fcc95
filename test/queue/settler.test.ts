// The settler's gap (gapMs): a worker process sharing a SQLite file with an API process leaves the write lock
// free after each settling commit, and what its attempts submit meanwhile is written in one batch after it.
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite/open.js';
import { SqliteQueueStore } from '../../src/db/sqlite/store.js';
import { createSettler } from '../../src/queue/settler.js';
import type { QueueStore } from '../../src/queue/store.js';
import { progress } from '../../src/queue/transitions.js';
import { newMessage } from '../helpers/messages.js';

describe('the settler', () => {
  let store: SqliteQueueStore;
  afterEach(async () => store.close());

  /** Six claimed messages, and a store that records when each settling write committed and how many it held. */
  async function setup() {
    store = new SqliteQueueStore(openSqlite(':memory:'));
    await store.enqueueMany(
      Array.from({ length: 6 }, () => newMessage()),
      { maxSize: 100 },
      new Date(),
    );
    const held = await store.claim({ workerId: 'w', limit: 6, leaseMs: 60_000, now: new Date() });
    const writes: { at: number; size: number }[] = [];
    const recording: QueueStore = Object.create(store, {
      change: {
        value: async (...args: Parameters<QueueStore['change']>) => {
          const outcomes = await store.change(...args);
          writes.push({ at: performance.now(), size: args[0].length });
          return outcomes;
        },
      },
    });
    const settle = (gapMs: number | (() => number)) => {
      const settler = createSettler({ store: recording, clock: () => new Date(), gapMs });
      return (i: number) => settler.submit({ id: held[i]!.id, transition: progress(held[i]!, { step: i }) });
    };
    return { settle, writes };
  }

  it('with gapMs, writes nothing for that long after a commit, then all submitted meanwhile in one batch', async () => {
    const { settle, writes } = await setup();
    const submit = settle(200);
    await submit(0);
    await Promise.all([1, 2, 3, 4, 5].map(submit));
    expect(writes.map((w) => w.size)).toEqual([1, 5]);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(199);
  });

  it('without it, writes what follows at once', async () => {
    const { settle, writes } = await setup();
    const submit = settle(0);
    await submit(0);
    await Promise.all([1, 2, 3, 4, 5].map(submit));
    expect(writes.map((w) => w.size)).toEqual([1, 5]);
    expect(writes[1]!.at - writes[0]!.at).toBeLessThan(199);
  });

  it('with gapMs a function, asks it after each commit: a gap only while it answers more than 0', async () => {
    const { settle, writes } = await setup();
    // No gap after the first commit, 200 ms after every later one.
    let asked = 0;
    const submit = settle(() => (asked++ === 0 ? 0 : 200));
    await submit(0);
    await submit(1);
    await Promise.all([2, 3, 4, 5].map(submit));
    expect(writes.map((w) => w.size)).toEqual([1, 1, 4]);
    expect(writes[1]!.at - writes[0]!.at).toBeLessThan(199);
    expect(writes[2]!.at - writes[1]!.at).toBeGreaterThanOrEqual(199);
  });
});
