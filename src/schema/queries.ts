// Query fields that read messages: one by id, and paged lists (all, awaiting review, dead letters).

import { deadLetterFilter } from '../queue/service.js';
import { builder } from './builder.js';
import { loadPage, MAX_PAGE, QueueMessageConnectionRef } from './connection.js';
import { listCost, STORAGE_READ_COST } from './cost.js';
import { MessagePriority, QueueStatus } from './enums.js';
import { DeadLetterFilter } from './inputs.js';
import { QueueMessageRef } from './message.js';

builder.queryField('queueMessage', (t) =>
  t.field({
    type: QueueMessageRef,
    nullable: true,
    description:
      "A message by id; null when unknown, or when it is another key's and the caller is a submitter.",
    args: { id: t.arg.id({ required: true, description: 'The message id.' }) },
    resolve: (_root, args, ctx) => ctx.service.get(ctx.actor, String(args.id)),
  }),
);

builder.queryField('queueMessagesByIds', (t) =>
  t.field({
    type: [QueueMessageRef],
    nullable: { list: false, items: true },
    complexity: (args) => listCost(Math.max(args.ids.length, 1), STORAGE_READ_COST),
    description:
      "Up to 1,000 messages by id, in the order asked (one read): null for an unknown id, or another key's message when the caller is a submitter. For following a batch.",
    args: { ids: t.arg.idList({ required: true, description: 'The message ids, 1..1000.' }) },
    resolve: (_root, args, ctx) => ctx.service.getMany(ctx.actor, args.ids.map(String)),
  }),
);

/** A page counts its size (`first`, within 1..MAX_PAGE) times its selection. */
const pageCost = (args: { first?: number | null }) =>
  listCost(Math.min(Math.max(args.first ?? 20, 1), MAX_PAGE), STORAGE_READ_COST);

const pageArgs = {
  first: `How many messages, 1..${MAX_PAGE} (default 20).`,
  after: 'The endCursor of the previous page.',
} as const;

builder.queryField('queueMessages', (t) =>
  t.field({
    type: QueueMessageConnectionRef,
    complexity: pageCost,
    description: 'Messages newest first, optionally filtered; a submitter sees only its own.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: pageArgs.first }),
      after: t.arg.string({ description: pageArgs.after }),
      status: t.arg({ type: [QueueStatus], description: 'Only these statuses.' }),
      priority: t.arg({ type: [MessagePriority], description: 'Only these priorities.' }),
    },
    resolve: (_root, args, ctx) =>
      loadPage(
        ctx,
        { statuses: args.status ?? undefined, priorities: args.priority ?? undefined },
        args.first,
        args.after,
      ),
  }),
);

builder.queryField('reviewQueue', (t) =>
  t.field({
    type: QueueMessageConnectionRef,
    complexity: pageCost,
    description: 'Quotes waiting for a human review (review.state PENDING), newest first.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: pageArgs.first }),
      after: t.arg.string({ description: pageArgs.after }),
    },
    resolve: (_root, args, ctx) => loadPage(ctx, { reviewState: 'PENDING' }, args.first, args.after),
  }),
);

builder.queryField('deadLetters', (t) =>
  t.field({
    type: QueueMessageConnectionRef,
    complexity: pageCost,
    description:
      'FAILED messages with no attempts left (retryMessage sends one back, retryMessages all that a filter matches), newest first.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: pageArgs.first }),
      after: t.arg.string({ description: pageArgs.after }),
      filter: t.arg({
        type: DeadLetterFilter,
        description: 'Only these (the same filter retryMessages takes).',
      }),
    },
    resolve: (_root, args, ctx) =>
      loadPage(
        ctx,
        deadLetterFilter({
          priorities: args.filter?.priority,
          errorContains: args.filter?.errorContains,
          failedFrom: args.filter?.failedFrom,
          failedBefore: args.filter?.failedBefore,
        }),
        args.first,
        args.after,
      ),
  }),
);
