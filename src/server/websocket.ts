// GraphQL over WebSocket (graphql-transport-ws, graphql-ws) on the HTTP server's /graphql path, through the
// same yoga pipeline as HTTP (limits, masking, tracking). The key travels in connection_init's
// connectionParams.authorization; a bad one closes the socket with 4401 before anything runs.
// `messageStatus` values are written by the fan-out (message-fanout.ts), once per change for all alike
// subscriptions; every frame of one turn goes to its socket in one write (frame-writer.ts). Such an operation
// is still parsed, validated and subscribed through yoga (its errors at the start masked by yoga), but
// graphql-ws then iterates the fan-out's own stream, which yields nothing, rather than yoga's layers around it.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode, makeServer } from 'graphql-ws';
import { isAsyncIterable } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { Actor } from '../queue/access.js';
import { codedError, normalizeCode, toClientError } from '../schema/errors.js';
import { deliverMessagesFor } from '../schema/live-message.js';
import { createFrameWriter, type FrameWriter } from './frame-writer.js';
import type { KeyThrottle } from './key-throttle.js';
import { createMessageFanout } from './message-fanout.js';
import type { RateLimiter } from './rate-limit.js';
import type { SubscriptionTracker } from './subscriptions.js';
import { GRAPHQL_PATH, type GraphQLHandler, MAX_FRAME_BYTES } from './yoga.js';

/** Frames one WebSocket message may be split into; more close the socket (1008). */
export const MAX_FRAGMENTS = 64;

export interface WebSocketOptions {
  server: Server;
  yoga: GraphQLHandler;
  /** Authenticates connection_init's key, throttling wrong keys per client address. */
  keys: KeyThrottle;
  /** Whether an upgrade's Host header may be answered (open mode: loopback names only). */
  hostAllowed?: (host: string | undefined) => boolean;
  limiter: RateLimiter;
  logger: Logger;
  /** Open streams, counted and ended at shutdown: fan-out streams are handed to graphql-ws through it. */
  tracker: SubscriptionTracker;
  /** True while the server drains: new sockets are refused. */
  draining(): boolean;
  /** Subscriptions one socket may hold at once. Default 100. */
  maxSubscriptionsPerSocket?: number;
  /** How long a socket may wait before connection_init. Default 5000 ms. */
  initTimeoutMs?: number;
  /**
   * Heartbeat: every this many ms the server pings; a socket that has not answered by the next beat is
   * dead (a half-open TCP connection, a frozen client) and is terminated. Default 12000 ms.
   */
  heartbeatMs?: number;
  /** Sockets one remote address may hold open at once; more upgrades are refused with 429. Default 50. */
  maxSocketsPerClient?: number;
}

export interface WebSocketEndpoint {
  /** Completes every subscription and closes every socket (1001 going away). */
  dispose(): Promise<void>;
  readonly socketCount: number;
  /** Remote addresses holding at least one socket (or upgrade) now. */
  readonly clientCount: number;
  /** messageStatus subscriptions the fan-out delivers to now. */
  readonly fanoutSize: number;
}

type SocketState = {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  readonly writer: FrameWriter;
  actor?: Actor;
  operations?: Set<string>;
};

type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;

export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const { yoga, keys, limiter, logger } = options;
  const maxSubscriptions = options.maxSubscriptionsPerSocket ?? 100;
  const maxPerClient = options.maxSocketsPerClient ?? 50;
  // A frame larger than a request body may be is refused by ws itself (close 1009) before it is buffered.
  // A graphql-ws message is one frame in practice; ws' default (16,384 fragments) lets a client make the server
  // hold thousands of empty fragments of one message.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    maxFragments: MAX_FRAGMENTS,
  });
  const perClient = new Map<string, number>();
  // The enveloped functions of each operation, found again from its context in execute/subscribe.
  const envelopedOf = new WeakMap<object, Enveloped>();
  const onUnexpected = (err: unknown) => logger.error({ err }, 'unexpected error in a subscription');
  const fanout = createMessageFanout({ onUnexpected });
  /** The fan-out's stream of each operation whose `messageStatus` it delivers, by the operation's context. */
  const fanoutStreams = new WeakMap<object, AsyncIterableIterator<never>>();

  options.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== GRAPHQL_PATH) return refuse(socket, 404, 'Not Found');
    if (options.draining()) return refuse(socket, 503, 'Service Unavailable');
    if (options.hostAllowed && !options.hostAllowed(req.headers.host))
      return refuse(socket, 403, 'Forbidden');
    if (!sameOrigin(req)) return refuse(socket, 403, 'Forbidden');
    // Counted from the upgrade until the TCP socket closes, whichever way it ends (exact, no sweeping).
    const client = req.socket.remoteAddress ?? 'unknown';
    const open = perClient.get(client) ?? 0;
    if (open >= maxPerClient) return refuse(socket, 429, 'Too Many Requests');
    perClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const run = (args: ExecutionArgs, kind: 'execute' | 'subscribe') => {
    const enveloped = envelopedOf.get(args.contextValue as object);
    if (!enveloped) throw new Error('operation context lost');
    return enveloped[kind](args) as ReturnType<Enveloped['execute']>;
  };

  const server = makeServer<Record<string, unknown> | undefined, SocketState>({
    connectionInitWaitTimeout: options.initTimeoutMs ?? 5000,
    execute: (args) => run(args, 'execute') as never,
    subscribe: async (args) => {
      const result = await run(args, 'subscribe');
      // A fan-out stream yields nothing (the fan-out writes every value): graphql-ws iterates it directly,
      // and only its end, its return or its error pass through it.
      const direct = fanoutStreams.get(args.contextValue as object);
      if (direct && isAsyncIterable(result))
        return options.tracker.direct(args.contextValue as object, direct);
      return result as never;
    },
    onConnect(ctx) {
      try {
        ctx.extra.actor = keys.authenticate(
          ctx.extra.request.socket.remoteAddress,
          authorizationOf(ctx.connectionParams),
        );
        ctx.extra.operations = new Set();
        return true;
      } catch (error) {
        // graphql-ws' close code for a refused init; the reason says which refusal (a wrong key or a throttled address).
        const code = (error as { code?: string }).code ?? 'UNAUTHENTICATED';
        ctx.extra.socket.close(CloseCode.Unauthorized, `${code}: ${(error as Error).message}`.slice(0, 120));
        return false;
      }
    },
    async onSubscribe(ctx, id, payload) {
      const actor = ctx.extra.actor;
      const operations = ctx.extra.operations;
      if (!actor || !operations) return [codedError('Not authenticated', 'UNAUTHENTICATED')];
      if (operations.size >= maxSubscriptions) {
        return [
          codedError(`At most ${maxSubscriptions} subscriptions may be open on one socket`, 'RATE_LIMITED'),
        ];
      }
      try {
        limiter.take(actor.id);
      } catch (error) {
        return [toClientError(error)];
      }
      const enveloped = yoga.getEnveloped({ actor, req: ctx.extra.request, params: payload });
      let document: ReturnType<Enveloped['parse']>;
      try {
        document = enveloped.parse(payload.query);
      } catch (error) {
        return [toClientError(error)];
      }
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length > 0) return errors.map((e: GraphQLError) => normalizeCode(e));
      let contextValue: object;
      try {
        contextValue = await enveloped.contextFactory();
      } catch (error) {
        return [toClientError(error)];
      }
      envelopedOf.set(contextValue, enveloped);
      const delivery = fanout.delivery(
        {
          schema: enveloped.schema,
          document,
          query: payload.query,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          actor,
        },
        {
          writer: ctx.extra.writer,
          id,
          active: () => id in ctx.subscriptions,
          // graphql-ws then ends the operation (onComplete) without sending a complete of its own.
          completed: () => {
            delete ctx.subscriptions[id];
          },
        },
      );
      deliverMessagesFor(contextValue, {
        async follow(follow) {
          const stream = await delivery.follow(follow);
          fanoutStreams.set(contextValue, stream);
          return stream;
        },
      });
      operations.add(id);
      return {
        schema: enveloped.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue,
      };
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => toClientError(e, onUnexpected).toJSON()),
    onComplete(ctx, id) {
      ctx.extra.operations?.delete(id);
    },
  });
  const heartbeatMs = options.heartbeatMs ?? 12_000;

  // The glue between ws sockets and graphql-ws (what graphql-ws/use/ws does), owned here so that a client's
  // protocol error closes with 4400 and a log line rather than 4500 and a stack trace on stderr, and so
  // that dead sockets are found by a heartbeat.
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', () => socket.terminate());
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const beat = setInterval(() => {
      // No pong since the last ping: a half-open connection or a frozen client.
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeatMs);
    const writer = createFrameWriter(socket, request.socket as Socket);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        // Resolves once the frame reached the kernel: graphql-ws waits for it before the stream's next value.
        send: (data) =>
          new Promise<void>((resolve, reject) =>
            writer.write(data, (err) => (err ? reject(err) : resolve())),
          ),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              const byClient = error instanceof Error && /^Unexpected message/.test(error.message);
              if (byClient) logger.debug({ err: error }, 'websocket protocol error by the client');
              else logger.error({ err: error }, 'websocket message handling failed');
              socket.close(
                byClient ? CloseCode.BadRequest : CloseCode.InternalServerError,
                byClient ? 'Invalid message received' : 'Internal server error',
              );
            }
          }),
      },
      { socket, request, writer },
    );
    socket.once('close', (code, reason) => {
      clearInterval(beat);
      void closed(code, String(reason));
    });
  });

  return {
    async dispose() {
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    get socketCount() {
      return wss.clients.size;
    },
    get clientCount() {
      return perClient.size;
    },
    get fanoutSize() {
      return fanout.size;
    },
  };
}

/** The key from connectionParams: `authorization` as the contract says, or a headers object (GraphiQL). */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const direct = params?.authorization ?? params?.Authorization;
  if (typeof direct === 'string') return direct;
  const headers = params?.headers;
  if (headers && typeof headers === 'object') {
    const h = headers as Record<string, unknown>;
    const value = h.authorization ?? h.Authorization;
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * Browsers always send Origin on WebSocket upgrades and never enforce CORS on them, so a page on another
 * site could otherwise open a socket here (in open mode, as an admin). Same origin and no Origin (non-browser
 * clients) are allowed.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
