// The figures the model derives from its messages, as the store's reads should report them: the take
// order (what the next claim returns), the next due retry and the queue stats.
import { PRIORITIES, type Priority, type QueueStats } from '../../src/queue/types.js';
import type { ModelAttempt, ModelMessage } from './model.js';

const RECENT_MS = 5 * 60_000;
/**
 * Recent attempts are counted in whole 10-second steps of their end (the API says so): from the step holding
 * now - 5 min through a minute past now (a writer whose clock leads).
 */
const STEP_MS = 10_000;
const LEAD_MS = 60_000;
const step = (t: number) => Math.floor(t / STEP_MS);

/** Due PENDING messages by effective priority, then creation order (the sort is stable; input is in creation order). */
export function takeOrder(messages: Iterable<ModelMessage>, now: number): ModelMessage[] {
  return [...messages]
    .filter((m) => m.status === 'PENDING' && (m.nextAttemptAt === null || m.nextAttemptAt <= now))
    .sort((a, b) => PRIORITIES[b.effectivePriority] - PRIORITIES[a.effectivePriority] || a.round - b.round);
}

/** The earliest retry that is not yet due. */
export function nextDueAt(messages: Iterable<ModelMessage>, now: number): number | null {
  const due = [...messages]
    .filter((m) => m.status === 'PENDING' && m.nextAttemptAt !== null && m.nextAttemptAt > now)
    .map((m) => m.nextAttemptAt!);
  return due.length === 0 ? null : Math.min(...due);
}

/** `attempts`: every attempt ended, those of purged messages included (they still ended when they did). */
export function modelStats(
  all: ModelMessage[],
  attempts: ModelAttempt[],
  now: number,
  maxSize: number,
): QueueStats {
  const having = (status: ModelMessage['status']) => all.filter((m) => m.status === status);
  const pending = having('PENDING');
  const started = having('PROCESSING').map((m) => m.startedAt!);
  const recent = attempts.filter(
    (a) => step(a.endedAt) >= step(now - RECENT_MS) && step(a.endedAt) <= step(now + LEAD_MS),
  );
  const done = recent.filter((a) => a.outcome === 'COMPLETED');
  const failed = recent.filter((a) => ['FAILED', 'TIMED_OUT', 'LOST'].includes(a.outcome)).length;
  const byPriority: Record<Priority, number> = { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
  for (const m of pending) byPriority[m.priority]++;
  return {
    pendingCount: pending.length,
    processingCount: started.length,
    completedCount: having('COMPLETED').length,
    failedCount: having('FAILED').length,
    cancelledCount: having('CANCELLED').length,
    // Counted from the flag, not the status: FAILED must always mean dead-lettered.
    deadLetterCount: all.filter((m) => m.deadLettered).length,
    maxSize,
    oldestPending: pending.length === 0 ? null : new Date(Math.min(...pending.map((m) => m.createdAt))),
    longestProcessing: started.length === 0 ? null : Math.max(0, (now - Math.min(...started)) / 1000),
    pendingByPriority: byPriority,
    meanProcessingMs:
      done.length === 0 ? null : done.reduce((sum, a) => sum + a.endedAt - a.startedAt, 0) / done.length,
    recentErrorRate: recent.length === 0 ? null : failed / recent.length,
    recentAttempts: recent.length,
    scheduledRetries: pending.filter((m) => m.nextAttemptAt !== null && m.nextAttemptAt > now).length,
    // The model submits nothing scheduled.
    scheduledCount: 0,
    nextScheduledAt: null,
    reviewPendingCount: all.filter((m) => m.reviewState === 'PENDING').length,
  };
}
