// Limits on a GraphQL document, checked around parsing, before validation (some of graphql's own rules
// are quadratic in the number of fields, so a document must be known small before they run): bracket
// nesting before parsing (the parser recurses per bracket), then tokens, nesting depth, aliases, fields and
// copies of one field. They apply to every document, introspection included; GraphiQL's own introspection
// stays well within them.
import {
  type DocumentNode,
  type FieldNode,
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
   * same name can merge compares them pairwise, so its work grows with the square of this count.
   */
  maxFields: number;
  /**
   * Most fields of one response name in one selection set, inline fragments and spreads included: graphql's
   * overlapping-fields rule compares such fields pairwise, so 999 copies of one leaf cost a million checks.
   */
  maxSameField: number;
  /**
   * Most brackets (`{`, `[`, `(`) open at once in the source, found by a scan before parsing: the parser
   * recurses once per level, and a few thousand levels of `[[[...]]]` overflow its stack.
   */
  maxBrackets: number;
}

export const DEFAULT_LIMITS: DocumentLimits = {
  maxDepth: 20,
  maxAliases: 100,
  maxTokens: 10_000,
  maxFields: 1000,
  maxSameField: 20,
  // Fields nest 20 deep at most; arguments' lists and objects add a few levels below the deepest field.
  maxBrackets: 64,
};

/** Envelop plugin checking the limits as part of parsing (HTTP, SSE and WebSocket alike). */
export function documentLimitsPlugin(limits: DocumentLimits = DEFAULT_LIMITS): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        const text = typeof source === 'string' ? source : source.body;
        const nesting = bracketError(text, limits.maxBrackets);
        if (nesting) throw nesting;
        const document = parse(source, { ...options, maxTokens: limits.maxTokens });
        const error = limitError(document, limits) ?? sameFieldError(document, limits.maxSameField);
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

/**
 * Scans the source for brackets open at once, skipping strings, block strings and comments; a document
 * deeper than `max` is refused before the parser sees it. Unbalanced brackets are left to the parser.
 */
export function bracketError(source: string, max: number): GraphQLError | null {
  let depth = 0;
  let deepest = 0;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET || c === OPEN_PAREN) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET || c === CLOSE_PAREN) {
      if (depth > 0) depth--;
    } else if (c === HASH) {
      while (i < n && source.charCodeAt(i) !== NEWLINE && source.charCodeAt(i) !== RETURN) i++;
    } else if (c === QUOTE) {
      if (source.startsWith('"""', i)) {
        // Block string: ends at the next unescaped triple quote.
        i += 3;
        while (i < n && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < n) {
          const d = source.charCodeAt(i);
          if (d === BACKSLASH) i += 2;
          else if (d === QUOTE || d === NEWLINE || d === RETURN) break;
          else i++;
        }
      }
    }
    if (deepest > max) {
      return new GraphQLError(
        `The document nests more than ${max} brackets ({, [ or () inside each other; at most ${max} are allowed`,
        { extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_BRACKETS' } },
      );
    }
  }
  return null;
}

/**
 * The first selection set holding more than `max` fields of one response name (through inline fragments and
 * spreads, each fragment counted once per set that spreads it), as a BAD_USER_INPUT error, or null.
 */
export function sameFieldError(document: DocumentNode, max: number): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // The fields a fragment contributes to the set it is spread in, by response name, counted once per fragment.
  const memo = new Map<string, Map<string, Copies>>();
  const visiting = new Set<string>();

  function collect(set: SelectionSetNode, into: Map<string, Copies>): void {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        add(into, selection.alias?.value ?? selection.name.value, { count: 1, node: selection });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, into);
      } else {
        for (const [key, copies] of fragmentFields(selection.name.value)) add(into, key, copies);
      }
    }
  }

  function fragmentFields(name: string): Map<string, Copies> {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are reported by graphql's own rules.
    if (!fragment || visiting.has(name)) return new Map();
    visiting.add(name);
    const fields = new Map<string, Copies>();
    collect(fragment.selectionSet, fields);
    visiting.delete(name);
    memo.set(name, fields);
    return fields;
  }

  function check(set: SelectionSetNode): GraphQLError | null {
    const fields = new Map<string, Copies>();
    collect(set, fields);
    for (const [name, { count, node }] of fields) {
      if (count > max) {
        return new GraphQLError(
          `Field "${name}" is selected ${count} times in one selection set; at most ${max} copies are allowed`,
          { nodes: [node], extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_SAME_FIELD' } },
        );
      }
    }
    for (const selection of set.selections) {
      const inner =
        selection.kind === Kind.FIELD
          ? selection.selectionSet
          : selection.kind === Kind.INLINE_FRAGMENT
            ? selection.selectionSet
            : undefined;
      const error = inner ? check(inner) : null;
      if (error) return error;
    }
    return null;
  }

  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      const error = check(definition.selectionSet);
      if (error) return error;
    }
  }
  return null;
}

interface Copies {
  count: number;
  /** The first of them, to point the error at. */
  node: FieldNode;
}

function add(into: Map<string, Copies>, key: string, copies: Copies): void {
  const known = into.get(key);
  if (known) known.count += copies.count;
  else into.set(key, { count: copies.count, node: copies.node });
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const RETURN = 0x0d;

interface Size {
  depth: number;
  aliases: number;
  fields: number;
}
