// QueueStats: the queue's figures, as a query and as a live subscription.
import type { ServiceStats } from '../queue/service.js';
import { PRIORITIES, type Priority } from '../queue/types.js';
import { builder } from './builder.js';
import { LIST_ESTIMATES, listCost } from './cost.js';
import { MessagePriority } from './enums.js';

const PriorityCountRef = builder.objectRef<{ priority: Priority; count: number }>('PriorityCount').implement({
  description: 'How many PENDING messages wait at one priority.',
  fields: (t) => ({
    priority: t.field({ type: MessagePriority, description: 'The priority.', resolve: (p) => p.priority }),
    count: t.exposeInt('count', { description: 'PENDING messages at it.' }),
  }),
});

export const QueueStatsRef = builder.objectRef<ServiceStats>('QueueStats').implement({
  description:
    "The queue's figures now. failedCount equals deadLetterCount: FAILED always means dead-lettered.",
  fields: (t) => ({
    pendingCount: t.exposeInt('pendingCount', {
      description: 'Messages PENDING (including retries not yet due).',
    }),
    processingCount: t.exposeInt('processingCount', { description: 'Messages PROCESSING.' }),
    completedCount: t.exposeInt('completedCount', { description: 'Messages COMPLETED (within retention).' }),
    failedCount: t.exposeInt('failedCount', { description: 'Messages FAILED (dead-lettered).' }),
    cancelledCount: t.exposeInt('cancelledCount', { description: 'Messages CANCELLED (within retention).' }),
    deadLetterCount: t.exposeInt('deadLetterCount', {
      description: 'Messages FAILED with no attempts left.',
    }),
    maxSize: t.exposeInt('maxSize', {
      description: 'Most messages PENDING or PROCESSING at once (MAX_QUEUE_SIZE).',
    }),
    oldestPending: t.expose('oldestPending', {
      type: 'DateTime',
      nullable: true,
      description: 'When the oldest PENDING message was created; null when none.',
    }),
    longestProcessing: t.exposeFloat('longestProcessing', {
      nullable: true,
      description: 'Seconds the longest-running PROCESSING message has run; null when none.',
    }),
    pendingByPriority: t.field({
      type: [PriorityCountRef],
      complexity: listCost(LIST_ESTIMATES.pendingByPriority),
      description: 'PENDING messages by priority, URGENT first.',
      resolve: (s) =>
        (Object.keys(PRIORITIES) as Priority[]).map((priority) => ({
          priority,
          count: s.pendingByPriority[priority] ?? 0,
        })),
    }),
    meanProcessingMs: t.exposeFloat('meanProcessingMs', {
      nullable: true,
      description: 'Mean duration of attempts completed in the last 5 minutes; null when none.',
    }),
    recentErrorRate: t.exposeFloat('recentErrorRate', {
      nullable: true,
      description: 'Share (0..1) of attempts ended in the last 5 minutes that failed; null when none.',
    }),
    recentAttempts: t.exposeInt('recentAttempts', {
      description: 'Attempts ended in the last 5 minutes (counted in 10-second steps, so up to 10 s more).',
    }),
    scheduledRetries: t.exposeInt('scheduledRetries', {
      description: 'PENDING messages waiting for a retry that is not yet due.',
    }),
    scheduledCount: t.exposeInt('scheduledCount', {
      description: 'PENDING submissions whose runAt is still ahead (counted in pendingCount).',
    }),
    nextScheduledAt: t.expose('nextScheduledAt', {
      type: 'DateTime',
      nullable: true,
      description: 'The earliest runAt among them; null when none.',
    }),
    reviewPendingCount: t.exposeInt('reviewPendingCount', {
      description: 'REFERRED quotes waiting for a human.',
    }),
    workerPaused: t.boolean({
      description:
        'Whether the workers of the fleet are paused (pauseWorker), as this process last read it (at most a second old).',
      resolve: (s) => s.workerPaused,
    }),
  }),
});

builder.queryField('queueStats', (t) =>
  t.field({
    type: QueueStatsRef,
    description: 'The figures now; open to every role.',
    resolve: (_root, _args, ctx) => ctx.service.stats(),
  }),
);

builder.subscriptionField('queueStats', (t) =>
  t.field({
    type: QueueStatsRef,
    description: 'The figures now, then again whenever they change, at most 10 times a second.',
    subscribe: (_root, _args, ctx) => ctx.stats.subscribe(),
    resolve: (stats) => stats,
  }),
);
