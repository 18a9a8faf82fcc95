// The typed `graphql()` tag for consumers: documents are checked against ../schema.graphql through the
// generated graphql-env.d.ts (`npm run examples:codegen`), so results and variables are inferred types.
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown };
}>();

/** The codes an error's `extensions.code` may carry: the schema's `enum ErrorCode`. */
export type ErrorCode = introspection['types']['ErrorCode']['enumValues'];
