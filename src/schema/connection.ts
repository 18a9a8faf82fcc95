// QueueMessageConnection: newest-first paging over messages, Relay style, the cursor being the message's
// creation sequence number (stable while messages change state).

import { BadInputError } from '../queue/errors.js';
import type { Message, MessageFilter } from '../queue/types.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { listCost, STORAGE_READ_COST } from './cost.js';
import { QueueMessageRef } from './message.js';

export const MAX_PAGE = 100;

interface Connection {
  messages: Message[];
  hasNextPage: boolean;
  filter: MessageFilter;
}

const PageInfoRef = builder.objectRef<Connection>('PageInfo').implement({
  description: 'Where a page ends and whether more follow.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'Whether older messages follow.' }),
    hasPreviousPage: t.boolean({
      description: 'Always false: pages go from newest to oldest only.',
      resolve: () => false,
    }),
    startCursor: t.string({
      nullable: true,
      description: 'Cursor of the first message of the page.',
      resolve: (c) => (c.messages[0] ? cursorOf(c.messages[0]) : null),
    }),
    endCursor: t.string({
      nullable: true,
      description: 'Pass as `after` for the next page.',
      resolve: (c) => {
        const last = c.messages[c.messages.length - 1];
        return last ? cursorOf(last) : null;
      },
    }),
  }),
});

const EdgeRef = builder.objectRef<Message>('QueueMessageEdge').implement({
  description: 'A message in a page, with its cursor.',
  fields: (t) => ({
    cursor: t.string({ description: 'Opaque position of the message.', resolve: cursorOf }),
    node: t.field({ type: QueueMessageRef, description: 'The message.', resolve: (m) => m }),
  }),
});

export const QueueMessageConnectionRef = builder.objectRef<Connection>('QueueMessageConnection').implement({
  description: 'A page of messages, newest first.',
  fields: (t) => ({
    edges: t.field({
      type: [EdgeRef],
      // The page's field (queueMessages and the like) counts its size; each item is counted here once.
      complexity: listCost(1),
      description: 'The messages with cursors.',
      resolve: (c) => c.messages,
    }),
    nodes: t.field({
      type: [QueueMessageRef],
      complexity: listCost(1),
      description: 'The messages.',
      resolve: (c) => c.messages,
    }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Paging state.', resolve: (c) => c }),
    totalCount: t.int({
      complexity: STORAGE_READ_COST,
      description: 'Messages matching the filter, across all pages.',
      resolve: (c, _args, ctx) => ctx.service.count(ctx.actor, c.filter),
    }),
  }),
});

/** Reads one page; the actor's scope (a submitter sees its own) is applied by the service. */
export async function loadPage(
  ctx: GraphQLContext,
  filter: MessageFilter,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection> {
  const limit = first ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new BadInputError('first', `must be a whole number from 1 to ${MAX_PAGE}`);
  }
  const beforeSeq = after == null ? undefined : seqOf(after);
  const rows = await ctx.service.list(ctx.actor, filter, { beforeSeq, limit: limit + 1 });
  return { messages: rows.slice(0, limit), hasNextPage: rows.length > limit, filter };
}

function cursorOf(m: Message): string {
  return Buffer.from(`seq:${m.seq}`).toString('base64url');
}

function seqOf(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadInputError('after', 'must be a cursor from a previous page (endCursor)');
  return Number(match[1]);
}
