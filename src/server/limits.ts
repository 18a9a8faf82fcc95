// Limits on a GraphQL document, checked before anything runs: nesting depth, aliases and tokens. They
// apply to every document, introspection included; GraphiQL's own introspection stays well within them.
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  parse,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface DocumentLimits {
  /** Most levels of nested fields (a root field is level 1). */
  maxDepth: number;
  /** Most aliased fields in an operation, fragments counted where they are spread. */
  maxAliases: number;
  /** Most lexical tokens in a document (bounds parsing work before any other check). */
  maxTokens: number;
}

export const DEFAULT_LIMITS: DocumentLimits = { maxDepth: 20, maxAliases: 100, maxTokens: 10_000 };

/** Envelop plugin adding the limits to parsing and validation (HTTP, SSE and WebSocket alike). */
export function documentLimitsPlugin(limits: DocumentLimits = DEFAULT_LIMITS): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parse(source, { ...options, maxTokens: limits.maxTokens }));
    },
    onValidate({ addValidationRule }) {
      addValidationRule((context: ValidationContext) => documentLimitsRule(context, limits));
    },
  };
}

function documentLimitsRule(context: ValidationContext, limits: DocumentLimits): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // Memoised per fragment, so a fragment spread many times is measured once (no exponential blow-up).
  const depthMemo = new Map<string, number>();
  const aliasMemo = new Map<string, number>();
  const visiting = new Set<string>();

  function measure(set: SelectionSetNode): { depth: number; aliases: number } {
    let depth = 0;
    let aliases = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases += 1;
        const inner = selection.selectionSet ? measure(selection.selectionSet) : { depth: 0, aliases: 0 };
        depth = Math.max(depth, 1 + inner.depth);
        aliases += inner.aliases;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = measure(selection.selectionSet);
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
      } else {
        const inner = measureFragment(selection.name.value);
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
      }
    }
    return { depth, aliases };
  }

  function measureFragment(name: string): { depth: number; aliases: number } {
    const known = depthMemo.get(name);
    if (known !== undefined) return { depth: known, aliases: aliasMemo.get(name) ?? 0 };
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are reported by graphql's own rules; count them as empty here.
    if (!fragment || visiting.has(name)) return { depth: 0, aliases: 0 };
    visiting.add(name);
    const result = measure(fragment.selectionSet);
    visiting.delete(name);
    depthMemo.set(name, result.depth);
    aliasMemo.set(name, result.aliases);
    return result;
  }

  return {
    OperationDefinition(node) {
      const { depth, aliases } = measure(node.selectionSet);
      const name = node.name ? `Operation "${node.name.value}"` : 'The operation';
      if (depth > limits.maxDepth) {
        context.reportError(
          new GraphQLError(`${name} is nested ${depth} levels deep; at most ${limits.maxDepth} are allowed`, {
            nodes: [node],
            extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH' },
          }),
        );
      }
      if (aliases > limits.maxAliases) {
        context.reportError(
          new GraphQLError(`${name} uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`, {
            nodes: [node],
            extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_ALIASES' },
          }),
        );
      }
    },
  };
}
