// What must hold after every step of a model run: the store agrees with the model message by message,
// each message's event log replays to it, the take order, the status partition and the stats.
import { expect } from 'vitest';
import type { QueueStore } from '../../src/queue/store.js';
import { type Message, STATUSES } from '../../src/queue/types.js';
import type { ModelMessage, QueueModel } from './model.js';

/** The store's message in the model's terms. */
export function view(m: Message): ModelMessage {
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return {
    id: m.id,
    owner: m.owner,
    idempotencyKey: m.idempotencyKey,
    payload: m.payload as ModelMessage['payload'],
    status: m.status,
    priority: m.priority,
    effectivePriority: m.effectivePriority,
    round: m.round,
    version: m.version,
    attempts: m.attempts,
    retryCount: m.retryCount,
    maxRetries: m.maxRetries,
    deadLettered: m.deadLettered,
    createdAt: m.createdAt.getTime(),
    queuedAt: m.queuedAt.getTime(),
    startedAt: ms(m.startedAt),
    completedAt: ms(m.completedAt),
    nextAttemptAt: ms(m.nextAttemptAt),
    leaseOwner: m.leaseOwner,
    leaseExpiresAt: ms(m.leaseExpiresAt),
    errorMessage: m.errorMessage,
    reviewState: m.review.state,
  };
}

/**
 * A stored snapshot compared with the current message. Two internal fields change without a new version
 * by design: lease renewals (a heartbeat every few seconds would flood the log) and priority aging. Neither
 * is part of the public message, whose every change the version counts.
 */
function versioned(m: Message): Omit<Message, 'leaseExpiresAt' | 'effectivePriority'> {
  const { leaseExpiresAt: _lease, effectivePriority: _aged, ...rest } = m;
  return rest;
}

export async function checkInvariants(model: QueueModel, store: QueueStore): Promise<void> {
  const now = new Date(model.now);
  for (const id of model.ids) {
    const expected = model.messages.get(id);
    const actual = await store.get(id);
    if (!expected) {
      // Purged with its history: gone everywhere.
      expect(actual, `${id} was purged`).toBeNull();
      expect(await store.history(id, 0), `${id} history after purge`).toEqual([]);
      expect(await store.attemptsOf(id), `${id} attempts after purge`).toEqual([]);
      continue;
    }
    expect(actual, `${id} exists`).not.toBeNull();
    expect(view(actual!), `${id} as stored`).toEqual(expected);

    const history = await store.history(id, 0);
    expect(
      history.map((e) => e.version),
      `${id} versions are 1..n`,
    ).toEqual(Array.from({ length: expected.version }, (_, i) => i + 1));
    expect(
      history.map((e) => e.kind),
      `${id} event kinds`,
    ).toEqual(model.kindsOf(id));
    for (const e of history) expect(e.message.version, `${id} snapshot version`).toBe(e.version);
    expect(versioned(history.at(-1)!.message), `${id} last snapshot is the message`).toEqual(
      versioned(actual!),
    );

    expect(
      (await store.attemptsOf(id)).map(({ error: _e, ...a }) => ({
        ...a,
        startedAt: a.startedAt.getTime(),
        endedAt: a.endedAt.getTime(),
      })),
      `${id} attempts`,
    ).toEqual(model.attemptsOf(id));
    expect(await store.queuePosition(id, now), `${id} queue position`).toBe(model.position(id));
  }

  // Each message is in exactly one state: the lists by status partition the queue.
  for (const status of STATUSES) {
    const listed = (await store.list({ statuses: [status] }, { limit: 10_000 })).map((m) => m.id).sort();
    const modelled = [...model.messages.values()]
      .filter((m) => m.status === status)
      .map((m) => m.id)
      .sort();
    expect(listed, `messages ${status}`).toEqual(modelled);
    expect(await store.count({ statuses: [status] }), `count ${status}`).toBe(modelled.length);
  }
  expect(await store.count({}), 'all messages').toBe(model.messages.size);

  const { meanProcessingMs, ...stats } = await store.stats(now, model.maxSize);
  const { meanProcessingMs: expectedMean, ...expectedStats } = model.stats();
  expect(stats, 'stats').toEqual(expectedStats);
  // SQLite's AVG and the model's sum may round differently in the last bit.
  if (expectedMean === null) expect(meanProcessingMs, 'mean processing ms').toBeNull();
  else expect(meanProcessingMs, 'mean processing ms').toBeCloseTo(expectedMean, 6);
  expect((await store.nextDueAt(now))?.getTime() ?? null, 'next due retry').toBe(model.nextDueAt());
}
