// GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's /graphql path: graphql-ws's `useServer` on a
// `ws` server, each operation run through the same yoga pipeline as HTTP (limits, cost, guard, masking, the
// subscription tracker), as in yoga's graphql-ws integration. The key travels in connection_init's
// connectionParams.authorization; a bad one closes the socket with 4401 before anything runs.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode, MessageType } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { Actor } from '../queue/access.js';
import { codedError, normalizeCode, toClientError } from '../schema/errors.js';
import { type ClientAddressOf, clientAddress } from './client-address.js';
import type { KeyThrottle } from './key-throttle.js';
import type { RateLimiter } from './rate-limit.js';
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
  /** The address per-address limits count (TRUST_PROXY); default the direct peer. */
  clientAddress?: ClientAddressOf;
  logger: Logger;
  /** True while the server drains: new sockets are refused. */
  draining(): boolean;
  /** Subscriptions one socket may hold at once. Default 100. */
  maxSubscriptionsPerSocket?: number;
  /** How long a socket may wait before connection_init. Default 5000 ms. */
  initTimeoutMs?: number;
  /**
   * Heartbeat: every this many ms the server pings; a socket that has not answered within as long again is
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
}

/** Bytes queued for one socket before its subscriptions wait for it to drain. */
export const SOCKET_BACKLOG_BYTES = 256 * 1024;
/**
 * Values one socket may be let through before their frames are written (a tick later), when its backlog is
 * looked at again: the backlog is known only once written.
 */
const PASSES_PER_TICK = 16;

/**
 * What graphql-ws keeps for one socket besides its own: who authenticated on it, and while the socket is backed
 * up, its subscriptions waiting to send their next value, in turn.
 */
type SocketExtra = { actor: Actor; waiting: (() => void)[] | undefined; passed: number };

/** The enveloped functions of an operation ride on its root value, as in yoga's graphql-ws integration. */
type Enveloped = ReturnType<GraphQLHandler['getEnveloped']>;
type RootValue = { execute: Enveloped['execute']; subscribe: Enveloped['subscribe'] };

/** Message types only a server sends: a client that sends one breaks the protocol. */
const SERVER_ONLY = new Set<string>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const { yoga, keys, limiter, logger } = options;
  // The client's address, read in this one place for the per-address cap and the wrong-key throttle.
  const addressOf = options.clientAddress ?? clientAddress(undefined);
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
  const onUnexpected = (err: unknown) => logger.error({ err }, 'unexpected error in a subscription');

  options.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== GRAPHQL_PATH) return refuse(socket, 404, 'Not Found');
    if (options.draining()) return refuse(socket, 503, 'Service Unavailable');
    if (options.hostAllowed && !options.hostAllowed(req.headers.host))
      return refuse(socket, 403, 'Forbidden');
    if (!sameOrigin(req)) return refuse(socket, 403, 'Forbidden');
    // Counted from the upgrade until the TCP socket closes, whichever way it ends (exact, no sweeping).
    const client = addressOf(req);
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
  // A frame ws refuses (too large, too many fragments, not UTF-8) closes its socket with ws' own code; the
  // client's fault, so a debug line. Registered before useServer's own listener.
  wss.on('connection', (socket) => {
    socket.on('error', (err) => logger.debug({ err }, 'websocket frame refused'));
  });

  // biome-ignore lint/correctness/useHookAtTopLevel: graphql-ws's useServer is not a React hook.
  const server = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      // Internal errors never reach a close reason.
      isProd: true,
      connectionInitWaitTimeout: options.initTimeoutMs ?? 5000,
      // A client that sends what only a server sends fails to parse: graphql-ws closes with 4400.
      jsonMessageReviver(key, value) {
        if (key === '' && SERVER_ONLY.has((value as { type?: unknown } | null)?.type as string))
          throw new Error('a server-only message');
        return value;
      },
      execute: (args) => (args.rootValue as RootValue).execute(args as ExecutionArgs) as never,
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args as ExecutionArgs) as never,
      onConnect(ctx) {
        try {
          const address = addressOf(ctx.extra.request);
          ctx.extra.actor = keys.authenticate(address, authorizationOf(ctx.connectionParams));
          return true;
        } catch (error) {
          // 4401 and the reason say which refusal (a wrong key or a throttled address); graphql-ws' own
          // close for a refused init (4403) then finds the socket closing and changes nothing.
          const code = (error as { code?: string }).code ?? 'UNAUTHENTICATED';
          ctx.extra.socket.close(
            CloseCode.Unauthorized,
            `${code}: ${(error as Error).message}`.slice(0, 120),
          );
          return false;
        }
      },
      async onSubscribe(ctx, _id, payload) {
        const actor = ctx.extra.actor;
        if (!actor) return [codedError('Not authenticated', 'UNAUTHENTICATED')];
        // graphql-ws lists this operation already.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return [
            codedError(`At most ${maxSubscriptions} subscriptions may be open on one socket`, 'RATE_LIMITED'),
          ];
        }
        try {
          await limiter.take(actor.id);
        } catch (error) {
          return [toClientError(error)];
        }
        const enveloped = yoga.getEnveloped({ actor, req: ctx.extra.request, params: payload });
        try {
          const document = enveloped.parse(payload.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors.map((e: GraphQLError) => normalizeCode(e));
          const rootValue: RootValue = { execute: enveloped.execute, subscribe: enveloped.subscribe };
          return {
            schema: enveloped.schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await enveloped.contextFactory(),
            rootValue,
          };
        } catch (error) {
          return [toClientError(error)];
        }
      },
      // A client that reads slowly backs its socket up: its subscriptions then wait their turn before each next
      // value, and their streams, not asked for values, read the log when they catch up instead of holding every
      // change. A value is let through only while the socket has room, and at most PASSES_PER_TICK before their
      // frames are written (a value's size is known only then), so a drain lets through what the socket has room for.
      async onNext(ctx) {
        const extra = ctx.extra;
        if (!extra.waiting && mayPass(extra)) return;
        await new Promise<void>((resolve) => {
          if (!extra.waiting) {
            extra.waiting = [];
            later(extra);
          }
          extra.waiting.push(resolve);
        });
      },
      onClose(ctx) {
        const waiting = ctx.extra.waiting ?? [];
        ctx.extra.waiting = undefined;
        for (const resolve of waiting) resolve();
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => toClientError(e, onUnexpected).toJSON()),
    },
    wss,
    options.heartbeatMs ?? 12_000,
  );

  return {
    async dispose() {
      await server.dispose();
    },
    get socketCount() {
      return wss.clients.size;
    },
    get clientCount() {
      return perClient.size;
    },
  };
}

type Extra = Partial<SocketExtra> & { request: IncomingMessage; socket: WebSocket };

/**
 * Whether one more value may go to the socket now (counted: the count is cleared on the next tick, once the values
 * let through have been written). Per tick, not per turn: a turn can be long (a busy worker writes many batches in
 * one), and a socket with room should not wait for its end.
 */
function mayPass(extra: Extra): boolean {
  const passed = extra.passed ?? 0;
  if (passed >= PASSES_PER_TICK || extra.socket.bufferedAmount > SOCKET_BACKLOG_BYTES) return false;
  extra.passed = passed + 1;
  if (passed === 0)
    afterWrites(() => {
      extra.passed = 0;
    });
  return true;
}

/**
 * Runs `fn` once the values let through so far have been written: their sends are promise continuations, all run
 * before a tick queued from a microtask (a tick queued from a tick would run before them).
 */
function afterWrites(fn: () => void): void {
  queueMicrotask(() => process.nextTick(fn));
}

/** Lets the waiting subscriptions through on a later tick, once the socket has room. */
function later(extra: Extra): void {
  // Past the limit (far above the stream's high-water mark) the last write asked for a drain event.
  if (extra.socket.bufferedAmount > SOCKET_BACKLOG_BYTES)
    extra.request.socket.once('drain', () => letThrough(extra));
  else afterWrites(() => letThrough(extra));
}

function letThrough(extra: Extra): void {
  const waiting = extra.waiting;
  if (!waiting) return;
  while (waiting.length > 0 && mayPass(extra)) waiting.shift()?.();
  if (waiting.length === 0) extra.waiting = undefined;
  else later(extra);
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
