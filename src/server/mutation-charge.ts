// Rate limits count work, not documents: each root field of a mutation is one request, so 100 aliased
// `submitQuote` in one document cost 100. The transport has already charged one for the document (HTTP in
// `onParams`, WebSocket at subscribe); the rest is charged here, all or nothing, before anything executes.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import { toClientError } from '../schema/errors.js';
import type { RateLimiter } from './rate-limit.js';

/** Envelop plugin: a mutation whose root fields pass the key's remaining budget is refused whole (RATE_LIMITED). */
export function mutationChargePlugin(limiter: RateLimiter): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const fields = rootFieldCount(args.document, operation.selectionSet);
      if (fields <= 1) return;
      try {
        const taken = limiter.take((args.contextValue as GraphQLContext).actor.id, fields - 1, fields);
        if (taken)
          return taken.catch((error) => setResultAndStopExecution({ errors: [toClientError(error)] }));
      } catch (error) {
        setResultAndStopExecution({ errors: [toClientError(error)] });
      }
    },
  };
}

/** Fields at the root of an operation, through inline fragments and fragment spreads (each fragment once per spread). */
export function rootFieldCount(document: DocumentNode, set: SelectionSetNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  // Memoised per fragment, so spreads that fan out cost their count once; a cycle (refused by validation) counts 0.
  const memo = new Map<string, number>();
  const count = (selections: SelectionSetNode): number => {
    let n = 0;
    for (const s of selections.selections) {
      if (s.kind === Kind.FIELD) n += 1;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else {
        const name = s.name.value;
        if (!memo.has(name)) {
          memo.set(name, 0);
          const fragment = fragments.get(name);
          memo.set(name, fragment ? count(fragment.selectionSet) : 0);
        }
        n += memo.get(name) ?? 0;
      }
    }
    return n;
  };
  return count(set);
}
