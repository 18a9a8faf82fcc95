// The message a submission becomes when a store first keeps it: the same for every engine.
import type { Message, NewMessage } from '../queue/types.js';

/** A NewMessage as stored at version 1, PENDING; `seq` is 0 until the engine assigns it. */
export function storedMessage(m: NewMessage): Message {
  return {
    id: m.id,
    seq: 0,
    status: 'PENDING',
    priority: m.priority,
    effectivePriority: m.priority,
    createdAt: m.createdAt,
    // Aging measures the wait from when the message became due.
    queuedAt: m.runAt && m.runAt > m.createdAt ? m.runAt : m.createdAt,
    startedAt: null,
    completedAt: null,
    errorMessage: null,
    retryCount: 0,
    maxRetries: m.maxRetries,
    timeoutSeconds: m.timeoutSeconds,
    nextAttemptAt: null,
    runAt: m.runAt ?? null,
    round: 0,
    deadLettered: false,
    version: 1,
    attempts: 0,
    leaseOwner: null,
    leaseExpiresAt: null,
    payload: m.payload,
    options: m.options,
    result: null,
    progress: null,
    checkpoint: null,
    review: { state: 'NOT_REQUIRED', reasons: [], reviewer: null, notes: null, decidedAt: null },
    owner: m.owner,
    idempotencyKey: m.idempotencyKey,
  };
}
