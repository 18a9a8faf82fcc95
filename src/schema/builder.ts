// The one Pothos builder: context type, scalars (DateTime, JSON from graphql-scalars), the cost plugin and
// root types.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
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
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin],
  // Fields declare their cost (cost.ts); the server checks it once, when a document is validated, with the
  // request's variables (src/server/cost-limit.ts), rather than in every root resolver.
  complexity: { disabled: true, defaultComplexity: 1, defaultListMultiplier: 10 },
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An ISO-8601 date-time string in UTC, such as 2026-01-31T09:30:00.000Z.',
});
builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value (object, array, string, number, boolean or null).',
});

builder.queryType({ description: 'Reading the queue: messages, figures and lists.' });
builder.mutationType({ description: 'Submitting, running, cancelling, retrying and reviewing quotes.' });
builder.subscriptionType({ description: 'Live updates over WebSocket (graphql-transport-ws) or SSE.' });
