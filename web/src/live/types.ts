// The shapes the live layer passes around. Kept free of DOM and library types so the follow logic can be
// tested in Node with a fake transport.
import type { ContractCode } from '../api/errors.js';

/** How live updates travel: WebSocket, Server-Sent Events, or a query every few seconds. */
export type Mode = 'ws' | 'sse' | 'poll';

export interface StreamRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: Record<string, unknown> | null;
}

export interface StreamResult {
  data?: unknown;
  errors?: readonly GraphQLErrorShape[];
}

export interface StreamSink {
  next(result: StreamResult): void;
  /** A GraphQL error list (the operation failed) or anything else (the transport failed). */
  error(error: unknown): void;
  complete(): void;
}

/** One subscription transport. `subscribe` returns a dispose that is safe to call at any time, once or more. */
export interface StreamTransport {
  subscribe(request: StreamRequest, sink: StreamSink): () => void;
  dispose(): void;
}

/** A GraphQL error list, as graphql-ws passes to `error` when the operation itself failed. */
export function isGraphQLErrorList(error: unknown): error is readonly GraphQLErrorShape[] {
  return (
    Array.isArray(error) &&
    error.length > 0 &&
    error.every(
      (e) => typeof e === 'object' && e !== null && typeof (e as GraphQLErrorShape).message === 'string',
    )
  );
}

const TRANSIENT: ReadonlySet<string> = new Set<ContractCode>([
  'RATE_LIMITED',
  'STORAGE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
]);

/** An error worth retrying later rather than showing as the end of the view. */
export function isTransient(error: GraphQLErrorShape | null): boolean {
  const code = error?.extensions?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}
