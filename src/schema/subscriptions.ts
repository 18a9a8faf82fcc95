// Subscription fields about one message (queueStats lives with its type in stats.ts).
import { BadInputError } from '../queue/errors.js';
import type { Message } from '../queue/types.js';
import { builder } from './builder.js';
import { QueueMessageRef } from './message.js';

builder.subscriptionField('messageStatus', (t) =>
  t.field({
    type: QueueMessageRef,
    description:
      'The message now (or, with afterVersion, every version after it, in order), then once per change in ' +
      'version order with none skipped; ends once the message is final. Unknown id: NOT_FOUND.',
    args: {
      id: t.arg.id({ required: true, description: 'The message id.' }),
      afterVersion: t.arg.int({ description: 'Resume after this version (the last one received).' }),
    },
    subscribe: async (_root, args, ctx) => {
      const id = String(args.id);
      const afterVersion = args.afterVersion ?? null;
      if (afterVersion !== null && afterVersion < 0) {
        throw new BadInputError('afterVersion', 'must be 0 or more');
      }
      // The same stream over SSE and WebSocket; unknown or not visible fails here, before any value.
      return ctx.messages.follow({ actor: ctx.actor, id, afterVersion });
    },
    resolve: (message: Message) => message,
  }),
);
