// Limits on a GraphQL document, checked right after parsing, before validation (some of graphql's own rules
// are quadratic in the number of fields, so a document must be known small before they run): tokens,
// nesting depth, aliases and fields. They apply to every document, introspection included; GraphiQL's own
// introspection stays well within them.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  parse,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface DocumentLimits {
  /** Most levels of nested fields (a root field is level 1). */
  maxDepth: number;
  /** Most aliased fields in an operation, fragments counted where they are spread. */
  maxAliases: number;
  /** Most lexical tokens in a document (bounds parsing work before any other check). */
  maxTokens: number;
  /**
   * Most fields in an operation, fragments counted where they are spread. graphql's rule that fields of the
   * same name can merge compares them pairwise: 9,000 copies of one leaf took 10 s of event loop.
   */
  maxFields: number;
}

export const DEFAULT_LIMITS: DocumentLimits = {
  maxDepth: 20,
  maxAliases: 100,
  maxTokens: 10_000,
  maxFields: 1000,
};

/** Envelop plugin checking the limits as part of parsing (HTTP, SSE and WebSocket alike). */
export function documentLimitsPlugin(limits: DocumentLimits = DEFAULT_LIMITS): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        const document = parse(source, { ...options, maxTokens: limits.maxTokens });
        const error = limitError(document, limits);
        if (error) throw error;
        return document;
      });
    },
  };
}

/** The first limit the document breaks, as a BAD_USER_INPUT error, or null. */
export function limitError(document: DocumentNode, limits: DocumentLimits): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // Memoised per fragment, so a fragment spread many times is measured once (no exponential blow-up).
  const memo = new Map<string, Size>();
  const visiting = new Set<string>();

  function measure(set: SelectionSetNode): Size {
    const size: Size = { depth: 0, aliases: 0, fields: 0 };
    for (const selection of set.selections) {
      let inner: Size;
      if (selection.kind === Kind.FIELD) {
        inner = selection.selectionSet
          ? measure(selection.selectionSet)
          : { depth: 0, aliases: 0, fields: 0 };
        inner = {
          depth: inner.depth + 1,
          aliases: inner.aliases + (selection.alias ? 1 : 0),
          fields: inner.fields + 1,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet);
      } else {
        inner = measureFragment(selection.name.value);
      }
      size.depth = Math.max(size.depth, inner.depth);
      // Capped, so a fragment spread thousands of times in a chain cannot overflow the counts.
      size.aliases = Math.min(size.aliases + inner.aliases, Number.MAX_SAFE_INTEGER);
      size.fields = Math.min(size.fields + inner.fields, Number.MAX_SAFE_INTEGER);
    }
    return size;
  }

  function measureFragment(name: string): Size {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are reported by graphql's own rules; count them as empty here.
    if (!fragment || visiting.has(name)) return { depth: 0, aliases: 0, fields: 0 };
    visiting.add(name);
    const result = measure(fragment.selectionSet);
    visiting.delete(name);
    memo.set(name, result);
    return result;
  }

  for (const node of document.definitions) {
    if (node.kind !== Kind.OPERATION_DEFINITION) continue;
    const { depth, aliases, fields } = measure(node.selectionSet);
    const name = node.name ? `Operation "${node.name.value}"` : 'The operation';
    const broken =
      depth > limits.maxDepth
        ? {
            reason: 'MAX_DEPTH',
            message: `is nested ${depth} levels deep; at most ${limits.maxDepth} are allowed`,
          }
        : aliases > limits.maxAliases
          ? {
              reason: 'MAX_ALIASES',
              message: `uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`,
            }
          : fields > limits.maxFields
            ? {
                reason: 'MAX_FIELDS',
                message: `selects ${fields} fields; at most ${limits.maxFields} are allowed`,
              }
            : null;
    if (broken) {
      return new GraphQLError(`${name} ${broken.message}`, {
        nodes: [node],
        extensions: { code: 'BAD_USER_INPUT', reason: broken.reason },
      });
    }
  }
  return null;
}

interface Size {
  depth: number;
  aliases: number;
  fields: number;
}
