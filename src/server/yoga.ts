// The GraphQL over HTTP handler (graphql-yoga): queries and mutations by GET/POST, subscriptions over SSE,
// GraphiQL from local assets; authentication, rate limits, document limits, the cost limit, the execution
// guard and error words plugged in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { type ExecutionResult, GraphQLError, type GraphQLSchema, subscribe } from 'graphql';
import {
  createYoga,
  type GraphiQLOptions,
  isAsyncIterable,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { Actor } from '../queue/access.js';
import type { QueueEvents } from '../queue/events.js';
import type { QueueService } from '../queue/service.js';
import type { GraphQLContext } from '../schema/context.js';
import { normalizeCode, toClientError } from '../schema/errors.js';
import type { LiveMessages } from '../schema/live-message.js';
import type { StatsFeed } from '../schema/live-stats.js';
import type { WebhookService } from '../webhooks/service.js';
import { bodyLimitPlugin } from './body-limit.js';
import { type ClientAddressOf, clientAddress } from './client-address.js';
import { costLimitPlugin } from './cost-limit.js';
import { csrfPlugin } from './csrf.js';
import {
  DEFAULT_GUARD_LIMITS,
  type ExecutionGuardLimits,
  executionGuardPlugin,
  guardContext,
  guardSchema,
} from './execution-guard.js';
import type { Readiness } from './health.js';
import type { KeyThrottle } from './key-throttle.js';
import { DEFAULT_LIMITS, documentLimitsPlugin } from './limits.js';
import { mutationChargePlugin } from './mutation-charge.js';
import type { RateLimiter } from './rate-limit.js';
import { graphiqlCsp } from './security-headers.js';
import { storageWatchPlugin } from './storage-watch.js';
import type { SubscriptionTracker } from './subscriptions.js';
import { tracingPlugin } from './tracing.js';
import { validationCachePlugin } from './validation-cache.js';

export const GRAPHQL_PATH = '/graphql';
/**
 * Largest HTTP request body accepted: a submitQuotes batch of 1,000 full submissions in its variables (up to
 * about 1 KB each) fits; a document alone is bounded far below by its token and bracket limits.
 */
export const MAX_BODY_BYTES = 1_000_000;
/** Largest WebSocket message accepted: one operation with modest variables (batches go over HTTP). */
export const MAX_FRAME_BYTES = 100_000;

/** What the HTTP server (req/res) or the WebSocket server (actor) hands to each operation. */
export interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  /** Set once the caller is authenticated (by `onParams` on HTTP, at connection_init on WebSocket). */
  actor?: Actor;
}

export type GraphQLHandler = YogaServerInstance<ServerContext, GraphQLContext>;

export interface GraphQLHandlerOptions {
  schema: GraphQLSchema;
  service: QueueService;
  webhooks: WebhookService;
  events: QueueEvents;
  stats: StatsFeed;
  messages: LiveMessages;
  /** Authenticates callers, throttling wrong keys per client address. */
  keys: KeyThrottle;
  /** The address per-address limits count (client-address.ts). Default: the direct peer. */
  clientAddress?: ClientAddressOf;
  limiter: RateLimiter;
  tracker: SubscriptionTracker;
  logger: Logger;
  /** Told of storage failures and successful writes seen in GraphQL traffic. */
  readiness?: Readiness;
  /** Most an operation may cost (MAX_QUERY_COST; see cost-limit.ts). */
  maxCost: number;
  /** The execution guard's budget per operation. Default `DEFAULT_GUARD_LIMITS`. */
  guard?: Partial<ExecutionGuardLimits>;
}

/**
 * Subscriptions run on graphql-js's own `subscribe`: graphql-tools' executor, yoga's default, keeps several more
 * layers around every open stream (incremental delivery, abort signals) that none of our subscriptions use, and a
 * live service holds many streams open at once. Registered before the tracker, which
 * wraps the subscribe function it is handed.
 */
const graphqlJsSubscribe: Plugin = {
  onSubscribe({ setSubscribeFn }) {
    setSubscribeFn(subscribe as Parameters<typeof setSubscribeFn>[0]);
  },
};

export function createGraphQLHandler(options: GraphQLHandlerOptions): GraphQLHandler {
  const { service, webhooks, events, stats, messages, keys, limiter, logger } = options;
  const onUnexpected = (error: unknown) =>
    logger.error({ err: error }, 'unexpected error in a GraphQL operation');
  let graphiqlPage: string | undefined;
  let graphiqlPolicy: string | undefined;
  const guardLimits = { ...DEFAULT_GUARD_LIMITS, ...options.guard };

  return createYoga<ServerContext, GraphQLContext>({
    schema: guardSchema(options.schema),
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    batching: false,
    // Same-origin only: no CORS headers, so other sites' pages cannot read answers or send JSON requests.
    cors: false,
    // Capped by `bodyLimitPlugin` instead: yoga's own cap streams every body through a counter.
    maxRequestBodySize: false,
    // Validation is cached by `validationCachePlugin`, ahead of the plugins whose verdicts depend on variables.
    parserAndValidationCache: { validationCache: false },
    graphiql: {
      title: 'Quote queue · GraphiQL',
      subscriptionsProtocol: 'WS',
      defaultQuery: '{\n  queueStats {\n    pendingCount\n    processingCount\n    completedCount\n  }\n}\n',
    },
    // GraphiQL from the package's inlined assets, never a CDN; the large page is rendered once.
    renderGraphiQL: (opts?: GraphiQLOptions) => {
      graphiqlPage ??= renderGraphiQL(opts);
      graphiqlPolicy ??= graphiqlCsp(graphiqlPage);
      return graphiqlPage;
    },
    maskedErrors: { maskError: (error) => toClientError(error, onUnexpected) },
    // Yoga's own lines are chatter at our level; unexpected errors are logged by `onUnexpected`.
    logging: {
      debug: (...args: unknown[]) => logger.trace({ yoga: args }, 'yoga'),
      info: (...args: unknown[]) => logger.trace({ yoga: args }, 'yoga'),
      warn: (...args: unknown[]) => logger.debug({ yoga: args }, 'yoga'),
      error: (...args: unknown[]) => logger.debug({ yoga: args }, 'yoga'),
    },
    context: ({ actor }): GraphQLContext => {
      if (!actor) throw new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } });
      return guardContext({ actor, service, webhooks, events, stats, messages }, guardLimits);
    },
    plugins: [
      csrfPlugin(),
      bodyLimitPlugin(MAX_BODY_BYTES),
      documentLimitsPlugin(DEFAULT_LIMITS),
      validationCachePlugin(),
      costLimitPlugin(options.maxCost),
      executionGuardPlugin(),
      graphqlJsSubscribe,
      options.tracker.plugin,
      callerCheckPlugin(keys, limiter, options.clientAddress ?? clientAddress(undefined)),
      mutationChargePlugin(limiter),
      clientErrorCodesPlugin(),
      tracingPlugin(),
      ...(options.readiness ? [storageWatchPlugin(options.readiness)] : []),
      {
        // GraphiQL is the only HTML yoga serves; its policy allows exactly its own inline scripts.
        onResponse({ response, setResponse }) {
          if (graphiqlPolicy && response.headers.get('content-type')?.startsWith('text/html')) {
            response.headers.set('content-security-policy', graphiqlPolicy);
          }
          // Yoga answers a subscription asked for as plain JSON (no event-stream Accept) with an empty 406.
          if (response.status === 406) setResponse(notAcceptable());
          // GraphQL over HTTP allows a 4xx only under its own media type (with application/json a client expects
          // 200); 401 and 429 are worth it: proxies and client libraries understand them.
          if (
            (response.status === 401 || response.status === 429) &&
            response.headers.get('content-type')?.startsWith('application/json')
          ) {
            response.headers.set('content-type', 'application/graphql-response+json; charset=utf-8');
          }
        },
      },
    ],
  });
}

function notAcceptable(): Response {
  const message =
    'This operation streams its results: ask for them with "Accept: text/event-stream" (SSE) or use the WebSocket';
  return Response.json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }, { status: 406 });
}

/** Every HTTP operation needs a valid key (unless open mode) and a token of its key's rate budget. */
function callerCheckPlugin(
  keys: KeyThrottle,
  limiter: RateLimiter,
  addressOf: ClientAddressOf,
): Plugin<object, ServerContext> {
  return {
    onParams({ request, context, setResult }) {
      try {
        const actor = keys.authenticate(
          context.req ? addressOf(context.req) : undefined,
          request.headers.get('authorization'),
        );
        const taken = limiter.take(actor.id);
        context.actor = actor;
        // A shared budget (Redis) answers later; the one in memory at once, with no promise made.
        if (taken) return taken.catch((error) => setResult({ errors: [toClientError(error)] }));
      } catch (error) {
        setResult({ errors: [toClientError(error)] });
      }
    },
  };
}

/**
 * Request-level errors (bad JSON, syntax, validation, wrong variable types) get a code from the contract; a
 * refused request (no data) answers RATE_LIMITED as 429 with Retry-After and UNAUTHENTICATED as 401. SSE
 * keeps 200 with the error as an event, as SSE clients (graphql-sse) read it; a 4xx is a network failure to them.
 */
function clientErrorCodesPlugin(): Plugin {
  const fix = (result: ExecutionResult, statuses: boolean): ExecutionResult => {
    if (!result.errors) return result;
    const errors = result.errors.map((e) => normalizeCode(e));
    return { ...result, errors: result.data || !statuses ? errors : errors.map(withHttpStatus) };
  };
  return {
    onResultProcess({ request, result, setResult }) {
      if (isAsyncIterable(result)) return;
      const statuses = !request.headers.get('accept')?.includes('text/event-stream');
      setResult(Array.isArray(result) ? result.map((r) => fix(r, statuses)) : fix(result, statuses));
    },
  };
}

/** The status yoga answers for an error (its `extensions.http`, which never reaches the body). */
function withHttpStatus(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  const http: { status: number; headers: Record<string, string> } | null =
    code === 'RATE_LIMITED'
      ? {
          status: 429,
          headers: { 'retry-after': String(Number(error.extensions?.retryAfter) || 1) },
        }
      : code === 'UNAUTHENTICATED'
        ? { status: 401, headers: { 'www-authenticate': 'Bearer' } }
        : null;
  if (!http) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    positions: error.positions,
    path: error.path,
    source: error.source,
    extensions: { ...error.extensions, http },
  });
}
