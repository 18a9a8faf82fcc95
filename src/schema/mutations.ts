// Mutation fields: each maps its arguments onto one queue-service call; the service checks roles and bounds.
import type { SubmitInput, SubmitResult } from '../queue/service.js';
import type { QuoteOptionsInput } from '../quote-options.js';
import { builder } from './builder.js';
import { CHARGE_PER_ITEM, listCost } from './cost.js';
import { MessagePriority, QueueStatus, ReviewAction } from './enums.js';
import { DeadLetterFilter, RunQuoteInput, SubmitQuoteInput } from './inputs.js';
import { QueueMessageRef } from './message.js';

const SubmitQuotePayloadRef = builder.objectRef<SubmitResult>('SubmitQuotePayload').implement({
  description: 'What submitQuote (or one item of submitQuotes) accepted.',
  fields: (t) => ({
    messageId: t.id({ description: 'The id of the message.', resolve: (r) => r.message.id }),
    status: t.field({
      type: QueueStatus,
      description: 'PENDING for a new message (an idempotent repeat shows where the first one is now).',
      resolve: (r) => r.message.status,
    }),
    priority: t.field({
      type: MessagePriority,
      description: 'The priority.',
      resolve: (r) => r.message.priority,
    }),
    estimatedProcessingTime: t.string({
      description: 'How long until it is done, in words, from its place in line and recent attempt times.',
      // Computed only when asked for: counting the line costs more than the submission itself.
      resolve: (r) => r.estimatedProcessingTime(),
    }),
    queuePosition: t.int({
      description:
        '1 = next to be taken, counting PENDING messages due now, by take order; 0 when it is not waiting.',
      resolve: (r) => r.queuePosition(),
    }),
    created: t.exposeBoolean('created', {
      description: 'False when an idempotency key returned an earlier message.',
    }),
    message: t.field({ type: QueueMessageRef, description: 'The message.', resolve: (r) => r.message }),
  }),
});

/** A SubmitQuoteInput as the queue service takes it. */
const toSubmitInput = (input: typeof SubmitQuoteInput.$inferInput): SubmitInput => ({
  payload: input.submission,
  options: { useAgentic: input.useAgentic, simulate: input.simulate } satisfies QuoteOptionsInput,
  priority: input.priority,
  idempotencyKey: input.idempotencyKey,
  maxRetries: input.maxRetries,
  timeoutSeconds: input.timeoutSeconds,
  runAt: input.runAt,
});

builder.mutationField('submitQuote', (t) =>
  t.field({
    type: SubmitQuotePayloadRef,
    description: 'Queues a quote; QUEUE_FULL when MAX_QUEUE_SIZE messages are PENDING or PROCESSING.',
    args: { input: t.arg({ type: SubmitQuoteInput, required: true, description: 'What to queue.' }) },
    resolve: (_root, { input }, ctx) => ctx.service.submit(ctx.actor, toSubmitInput(input)),
  }),
);

builder.mutationField('submitQuotes', (t) =>
  t.field({
    type: [SubmitQuotePayloadRef],
    // Each answer's selection counts once per submission.
    complexity: (args) => listCost(Math.max(args.input.length, 1)),
    // Each submission is one request of the key's rate budget, as it would be sent alone.
    extensions: { [CHARGE_PER_ITEM]: 'input' },
    description:
      'Queues 1 to 1,000 quotes in one transaction: every one is created or none is. A bad item is BAD_USER_INPUT naming its index and field (input[3].submission.coverageAmount); a batch that would pass MAX_QUEUE_SIZE or MAX_ACTIVE_PER_OWNER is QUEUE_FULL, creating nothing. Idempotency keys work per item. Answers in input order.',
    args: {
      input: t.arg({ type: [SubmitQuoteInput], required: true, description: 'What to queue, in order.' }),
    },
    resolve: (_root, { input }, ctx) => ctx.service.submitMany(ctx.actor, input.map(toSubmitInput)),
  }),
);

builder.mutationField('runQuote', (t) =>
  t.field({
    type: QueueMessageRef,
    description: 'Processes a quote within the request (recorded as a message); it ends COMPLETED or FAILED.',
    args: { input: t.arg({ type: RunQuoteInput, required: true, description: 'What to process.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.service.run(ctx.actor, {
        payload: input.submission,
        options: { useAgentic: input.useAgentic } satisfies QuoteOptionsInput,
      }),
  }),
);

builder.mutationField('cancelMessage', (t) =>
  t.field({
    type: QueueMessageRef,
    description: 'Cancels a PENDING or PROCESSING message (aborting its attempt); INVALID_STATE otherwise.',
    args: { id: t.arg.id({ required: true, description: 'The message id.' }) },
    resolve: (_root, args, ctx) => ctx.service.cancel(ctx.actor, String(args.id)),
  }),
);

builder.mutationField('retryMessages', (t) =>
  t.field({
    type: 'Int',
    description:
      'Admin: sends back every dead letter the filter matches (as retryMessage does each: PENDING, retryCount 0, a full budget), a few hundred per transaction; returns how many went back.',
    args: { filter: t.arg({ type: DeadLetterFilter, required: true, description: 'Which dead letters.' }) },
    resolve: (_root, { filter }, ctx) =>
      ctx.service.retryMany(ctx.actor, {
        priorities: filter.priority,
        errorContains: filter.errorContains,
        failedFrom: filter.failedFrom,
        failedBefore: filter.failedBefore,
      }),
  }),
);

builder.mutationField('retryMessage', (t) =>
  t.field({
    type: QueueMessageRef,
    description: 'Admins: sends a FAILED message back to PENDING with retryCount 0 and a full retry budget.',
    args: { id: t.arg.id({ required: true, description: 'The message id.' }) },
    resolve: (_root, args, ctx) => ctx.service.retry(ctx.actor, String(args.id)),
  }),
);

builder.mutationField('reviewQuote', (t) =>
  t.field({
    type: QueueMessageRef,
    description: 'Reviewers and admins: answers a quote whose review is PENDING; INVALID_STATE otherwise.',
    args: {
      id: t.arg.id({ required: true, description: 'The message id.' }),
      action: t.arg({ type: ReviewAction, required: true, description: 'Approve or reject.' }),
      notes: t.arg.string({ description: 'Why, up to 2000 characters.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.service.review(ctx.actor, String(args.id), args.action, args.notes ?? null),
  }),
);

builder.mutationField('pauseWorker', (t) =>
  t.boolean({
    description:
      'Admins: every worker of every process on this database stops taking messages (running ones finish), until resumeWorker; kept across restarts. Returns paused.',
    resolve: (_root, _args, ctx) => ctx.service.pause(ctx.actor),
  }),
);

builder.mutationField('resumeWorker', (t) =>
  t.boolean({
    description:
      'Admins: every worker of every process on this database takes messages again (other processes within a second). Returns paused.',
    resolve: (_root, _args, ctx) => ctx.service.resume(ctx.actor),
  }),
);
