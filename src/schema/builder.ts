// The one Pothos builder: context type, scalars (DateTime, JSON from graphql-scalars) and root types.
import SchemaBuilder from '@pothos/core';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Json } from '../queue/types.js';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  // Fields are non-null unless marked `nullable: true`, as in the contract.
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: Json; Output: Json };
  };
}>({ defaultFieldNullability: false });

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An ISO-8601 date-time string in UTC, such as 2026-01-31T09:30:00.000Z.',
});
builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value (object, array, string, number, boolean or null).',
});

builder.queryType({ description: 'Reading the queue: messages, figures and lists.' });
builder.mutationType({ description: 'Submitting, running, cancelling, retrying and reviewing quotes.' });
builder.subscriptionType({ description: 'Live updates over WebSocket (graphql-transport-ws) or SSE.' });
