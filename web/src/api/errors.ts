// Every error the page can meet, turned into words in one place: the contract's codes, the transport's
// failures, and BAD_USER_INPUT's field (so a form can show it next to the input at fault).
import type { CombinedError } from '@urql/core';

import type { introspection } from '../../graphql-env.d.ts';

/** The schema's closed set of error codes (`enum ErrorCode` in schema.graphql). */
export type ContractCode = introspection['types']['ErrorCode']['enumValues'];

/** The contract's codes plus the page's own NETWORK. */
export type ErrorCode = ContractCode | 'NETWORK';

// Typed by the schema's list: a code added there fails the build until it has words here.
const WORDS: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'Some of the input is not valid.',
  QUEUE_FULL:
    'The queue is full right now: no new quotes can be queued until some finish. Try again shortly.',
  NOT_FOUND:
    'No such message: it may have been removed after the retention period, or belongs to another key.',
  INVALID_STATE:
    'That action does not apply to the message as it stands now (it may have changed meanwhile).',
  UNAUTHENTICATED: 'The service needs a valid API key: enter yours in the API key field at the top.',
  FORBIDDEN: 'Your API key’s role does not allow this action.',
  RATE_LIMITED: 'Too many requests from this API key: wait a moment and try again.',
  STORAGE_UNAVAILABLE:
    'The service cannot save changes right now (storage unavailable). Nothing was changed; try again shortly.',
  INTERNAL_SERVER_ERROR: 'Something went wrong in the service. It was logged; try again.',
  NETWORK: 'The service cannot be reached. Check your connection; the page keeps trying.',
};

/** A failure as the page shows it. */
export interface ShownError {
  code: ErrorCode;
  /** The sentence for a person. */
  words: string;
  /** The server's own message, when it adds something (e.g. which field and which rule). */
  detail?: string;
  /** For BAD_USER_INPUT: the input at fault, as its last path segment (`coverageAmount`). */
  field?: string;
}

/** The words for a code; unknown codes read as an internal error. */
export function wordsFor(code: string): string {
  return WORDS[isErrorCode(code) ? code : 'INTERNAL_SERVER_ERROR'];
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in WORDS;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown> | null;
}

/** One GraphQL error (from a result, a subscription or a WebSocket error frame) as shown. */
export function fromGraphQLError(error: GraphQLErrorLike): ShownError {
  const raw = error.extensions?.code;
  const code: ErrorCode = isErrorCode(raw) ? raw : 'INTERNAL_SERVER_ERROR';
  const fieldPath =
    typeof error.extensions?.field === 'string' ? error.extensions.field : fieldFromMessage(error.message);
  const field = fieldPath?.split('.').pop();
  const shown: ShownError = { code, words: WORDS[code] };
  if (error.message && code !== 'INTERNAL_SERVER_ERROR') shown.detail = error.message;
  if (code === 'BAD_USER_INPUT' && field) shown.field = field;
  return shown;
}

/** An urql error: its first GraphQL error, else the network failure. */
export function fromCombinedError(error: CombinedError): ShownError {
  const first = error.graphQLErrors[0];
  if (first) return fromGraphQLError(first);
  return fromUnknown(error.networkError ?? error);
}

/** Anything thrown or passed to an error callback. */
export function fromUnknown(error: unknown): ShownError {
  if (Array.isArray(error) && error[0] && typeof error[0] === 'object' && 'message' in error[0]) {
    return fromGraphQLError(error[0] as GraphQLErrorLike);
  }
  if (error && typeof error === 'object' && 'graphQLErrors' in error) {
    return fromCombinedError(error as CombinedError);
  }
  return { code: 'NETWORK', words: WORDS.NETWORK };
}

/** `input.submission.coverageAmount: must be ...` → `input.submission.coverageAmount`. */
function fieldFromMessage(message: string): string | undefined {
  const match = /^([A-Za-z][\w.]*):\s/.exec(message);
  return match?.[1];
}
