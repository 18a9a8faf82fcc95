// Rate limits count work, not documents: each root field of a mutation is one request, so 100 aliased
// `submitQuote` in one document cost 100, and a batch field (one marked with CHARGE_PER_ITEM) costs one request
// per item of its list argument, up to one second's budget: a `submitQuotes` of 1,000 at 200/s passes only when
// the key's whole budget is left, and spends it (the contract allows batches of 1,000 whatever the key's rate,
// and a key still sends at most one full batch a second). The transport has already charged
// one for the document (HTTP in `onParams`, WebSocket at subscribe); the rest is charged here, all or nothing,
// before anything executes.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import { CHARGE_PER_ITEM } from '../schema/cost.js';
import { toClientError } from '../schema/errors.js';
import type { RateLimiter } from './rate-limit.js';

/** Envelop plugin: a mutation whose requests pass the key's remaining budget is refused whole (RATE_LIMITED). */
export function mutationChargePlugin(limiter: RateLimiter): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const requests = mutationRequests(
        args.document,
        operation,
        args.schema.getMutationType(),
        (args.variableValues ?? {}) as Record<string, unknown>,
        limiter.perSecond,
      );
      if (requests <= 1) return;
      try {
        const taken = limiter.take((args.contextValue as GraphQLContext).actor.id, requests - 1, requests);
        if (taken)
          return taken.catch((error) => setResultAndStopExecution({ errors: [toClientError(error)] }));
      } catch (error) {
        setResultAndStopExecution({ errors: [toClientError(error)] });
      }
    },
  };
}

/**
 * Requests a mutation counts as: one per root field, or per item for a batch field (`type` marks them; without
 * it every field is one), through inline fragments and fragment spreads (each fragment once per spread).
 */
export function mutationRequests(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  type: GraphQLObjectType | null | undefined,
  variables: Record<string, unknown>,
  /** A batch field counts at most this many (the key's per-second budget). */
  batchCap = Number.POSITIVE_INFINITY,
): number {
  // A variable left out takes its default (a literal), as execution will.
  const defaults = new Map<string, ValueNode>();
  for (const d of operation.variableDefinitions ?? []) {
    if (d.defaultValue) defaults.set(d.variable.name.value, d.defaultValue);
  }
  const itemCount = (value: ValueNode): number => {
    if (value.kind === Kind.LIST) return value.values.length;
    if (value.kind === Kind.NULL) return 0;
    if (value.kind !== Kind.VARIABLE) return 1; // a single value is a list of one (GraphQL's input coercion)
    const name = value.name.value;
    const v = variables[name];
    if (v === undefined) {
      const fallback = defaults.get(name);
      return fallback ? itemCount(fallback) : 0;
    }
    if (Array.isArray(v)) return v.length;
    return v === null ? 0 : 1;
  };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const fields = type?.getFields();
  const fieldCost = (field: FieldNode): number => {
    const listArg = fields?.[field.name.value]?.extensions?.[CHARGE_PER_ITEM];
    if (typeof listArg !== 'string') return 1;
    const arg = field.arguments?.find((a) => a.name.value === listArg);
    return Math.min(batchCap, Math.max(1, arg ? itemCount(arg.value) : 0));
  };
  // Memoised per fragment, so spreads that fan out cost their count once; a cycle (refused by validation) counts 0.
  const memo = new Map<string, number>();
  const count = (selections: SelectionSetNode): number => {
    let n = 0;
    for (const s of selections.selections) {
      if (s.kind === Kind.FIELD) n += fieldCost(s);
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
  return count(operation.selectionSet);
}
