// Counter-examples the model-based test found, shrunk and kept under a name, with direct checks of the
// behaviour each one pins down.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueStore } from '../../src/queue/store.js';
import { fail } from '../../src/queue/transitions.js';
import type { NewMessage, Priority } from '../../src/queue/types.js';
import { ENGINES } from '../helpers/postgres.js';
import { tempDb } from '../helpers/sqlite.js';
import { AGING_MS } from './ops.js';
import { runScenario } from './run.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

describe.each(ENGINES)('model counter-examples on %s', (engine) => {
  it('a late result for a message already purged is refused NOT_FOUND and changes nothing', async () => {
    await runScenario(
      {
        maxSize: 1,
        ops: [
          { op: 'submit', sync: false, owner: 0, key: null, priority: 'URGENT', maxRetries: 0 },
          { op: 'claim', worker: 0, limit: 1 },
          { op: 'complete', pick: 0, review: false },
          { op: 'jump', ms: 3_600_000 },
          { op: 'purge', retentionMs: 0 },
          { op: 'fail', pick: 0, delayMs: 0, timedOut: false },
          { op: 'claim', worker: 0, limit: 1 },
        ],
      },
      engine,
    );
  });

  // Found with seed -1878642877: a retry due at once was moved into the claim index by the next submission, then
  // the clock went back two minutes (another process's clock): it must still count as a retry waiting, and not be
  // taken, by the clock that is behind.
  it('a retry moved into the claim index by a later clock still waits by an earlier one', async () => {
    await runScenario({
      maxSize: 2,
      ops: [
        { op: 'submit', sync: true, owner: 0, key: null, priority: 'URGENT', maxRetries: 1 },
        { op: 'expire', lateRenew: false },
        { op: 'submit', sync: false, owner: 0, key: null, priority: 'HIGH', maxRetries: 2 },
        { op: 'complete', pick: 1, review: true },
        { op: 'progress', pick: 5 },
        { op: 'renew', worker: 1 },
        { op: 'jump', ms: -60_000 },
        { op: 'jump', ms: -60_000 },
        { op: 'claim', worker: 0, limit: 2 },
        { op: 'fail', pick: 4, delayMs: 5000, timedOut: true },
      ],
    });
  });

  // Found with seed -248172750: the aging UPDATE divides a REAL (better-sqlite3 binds JS numbers as REAL)
  // so a message that waited one step and a millisecond was stored at effective priority 3.0000333.
  it('a message that waited a step and a bit is aged by one whole level', async () => {
    await runScenario(
      {
        maxSize: 1,
        ops: [
          { op: 'submit', sync: false, owner: 0, key: null, priority: 'NORMAL', maxRetries: 0 },
          { op: 'tick', ms: 30_000 },
          { op: 'tick', ms: 1 },
          { op: 'age' },
          { op: 'claim', worker: 0, limit: 1 },
        ],
      },
      engine,
    );
  });
});

describe('priority aging in whole levels', () => {
  let store: QueueStore;
  let cleanup: () => Promise<void>;
  beforeEach(() => {
    const db = tempDb();
    store = db.open();
    cleanup = () => db.cleanup();
  });
  afterEach(() => cleanup());

  const enqueue = async (id: string, priority: Priority, ms: number) => {
    const m: NewMessage = {
      id,
      priority,
      payload: {},
      options: null,
      maxRetries: 3,
      timeoutSeconds: 30,
      owner: 'o',
      idempotencyKey: null,
      createdAt: at(ms),
    };
    return (await store.enqueue(m, { maxSize: 100 }, at(ms))).message;
  };

  it('keeps FIFO within the level a message was aged to', async () => {
    // An older HIGH message that waits again after a failed attempt, and a newer NORMAL one aged to HIGH:
    // both rank HIGH, so the older one (lower seq) is taken first.
    await enqueue('high-older', 'HIGH', 0);
    await enqueue('normal-newer', 'NORMAL', 1);
    const [claimed] = await store.claim({ workerId: 'w', limit: 1, leaseMs: 60_000, now: at(2) });
    expect(claimed?.id).toBe('high-older');
    await store.change(
      [{ id: 'high-older', transition: fail({ id: 'high-older', attempts: 1 }, 'x', 0) }],
      at(25_000),
    );

    expect(await store.agePriorities(at(AGING_MS + 1_001), AGING_MS)).toBe(1);
    expect((await store.get('normal-newer'))?.effectivePriority).toBe('HIGH');
    const taken = await store.claim({ workerId: 'w', limit: 2, leaseMs: 60_000, now: at(AGING_MS + 1_001) });
    expect(taken.map((m) => m.id)).toEqual(['high-older', 'normal-newer']);
  });

  it('changes nothing on a second pass within the same step', async () => {
    await enqueue('low', 'LOW', 0);
    expect(await store.agePriorities(at(AGING_MS + 1), AGING_MS)).toBe(1);
    expect(await store.agePriorities(at(AGING_MS + 2), AGING_MS)).toBe(0);
    expect((await store.get('low'))?.effectivePriority).toBe('NORMAL');
  });
});
