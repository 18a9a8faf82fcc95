// Errors as clients see them: domain errors become GraphQL errors with their `extensions.code`, GraphQL's
// own request errors (syntax, validation, wrong variable types, bad bodies) become BAD_USER_INPUT, and
// anything else is masked as INTERNAL_SERVER_ERROR with no message, stack or SQL of its own.
import { GraphQLError } from 'graphql';
import {
  BadInputError,
  ERROR_CODES,
  type ErrorCode,
  isDomainError,
  QueueFullError,
  RateLimitedError,
} from '../queue/errors.js';

const CONTRACT_CODES: ReadonlySet<string> = new Set<string>([...ERROR_CODES, 'INTERNAL_SERVER_ERROR']);

export const UNEXPECTED_MESSAGE = 'Unexpected error: it was logged; try again or contact the operator.';

/** A GraphQL error with a code from the contract's closed set. */
export function codedError(
  message: string,
  code: ErrorCode,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extra, code } });
}

/**
 * Turns whatever a resolver or the request pipeline threw into what the client may see. `onUnexpected`
 * receives errors that are masked, so they can be logged with their stack.
 */
export function toClientError(error: unknown, onUnexpected?: (error: unknown) => void): GraphQLError {
  const graphql = isGraphQLError(error) ? error : null;
  const original = graphql ? (graphql.originalError ?? null) : error;
  const where = graphql ? { nodes: graphql.nodes, positions: graphql.positions, path: graphql.path } : {};
  if (isDomainError(original)) {
    const extensions: Record<string, unknown> = { code: original.code };
    if (original instanceof BadInputError) extensions.field = original.field;
    if (original instanceof QueueFullError) extensions.scope = original.scope;
    if (original instanceof RateLimitedError) extensions.retryAfter = original.retryAfterSeconds;
    return new GraphQLError(original.message, { ...where, extensions });
  }
  if (graphql && (original === null || isGraphQLError(original))) return normalizeCode(graphql);
  onUnexpected?.(error);
  return new GraphQLError(UNEXPECTED_MESSAGE, {
    ...where,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/**
 * By name, not `instanceof`: graphql is loaded both as CommonJS (by yoga's executor) and as ESM (here), so
 * an error may come from the other copy's class.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/**
 * GraphQL-level request errors keep their message (which names the argument or variable at fault) and get
 * BAD_USER_INPUT; the engine's own code stays as `reason` (e.g. GRAPHQL_VALIDATION_FAILED).
 */
export function normalizeCode(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  if (typeof code === 'string' && CONTRACT_CODES.has(code)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    positions: error.positions,
    path: error.path,
    source: error.source,
    // Only the status hint for yoga survives from the engine's extensions: no `originalError` details.
    extensions: {
      ...(error.extensions?.http ? { http: error.extensions.http } : {}),
      code: 'BAD_USER_INPUT',
      ...(typeof code === 'string' ? { reason: code } : {}),
    },
  });
}
