// Subscription fields about one message (queueStats lives with its type in stats.ts).
import { BadInputError } from '../queue/errors.js';
import type { Message } from '../queue/types.js';
import { builder } from './builder.js';
import { deliveryFor, followMessage } from './live-message.js';
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
      const options = { service: ctx.service, events: ctx.events, actor: ctx.actor, id, afterVersion };
      // Over WebSocket the fan-out writes the values (shared among identical subscriptions); it checks
      // visibility itself, after it started listening.
      const delivery = deliveryFor(ctx);
      if (delivery) return delivery.follow(options);
      // Unknown or not visible fails here, as an error of the subscription rather than of an event.
      await ctx.service.visible(ctx.actor, id);
      return followMessage(options);
    },
    resolve: (message: Message) => message,
  }),
);
