// The typed `graphql()` tag: documents are checked against ../schema.graphql (via the generated
// graphql-env.d.ts, `npm run web:codegen`) and their result and variable types are inferred.
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../graphql-env.d.ts';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
