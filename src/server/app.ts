// The HTTP server: routes /health, /ready, /metrics, /graphql (yoga, plus graphql-ws on upgrade) and the
// web client, and shuts down in order: refuse new work, end subscriptions, let requests finish.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { schema } from '../schema/index.js';
import { createLiveMessages } from '../schema/live-message.js';
import { createStatsFeed } from '../schema/live-stats.js';
import { createAuthenticator } from './auth.js';
import { clientAddress } from './client-address.js';
import { answerClientError } from './client-error.js';
import type { ExecutionGuardLimits } from './execution-guard.js';
import { createReadiness, health, type Probe } from './health.js';
import { HOST_REFUSED, isLoopbackHost } from './host-check.js';
import { createKeyThrottle } from './key-throttle.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createRateLimiter } from './rate-limit.js';
import { BASE_HEADERS, WEB_CSP } from './security-headers.js';
import { createSharedRateLimiter } from './shared-rate-limit.js';
import { createSubscriptionTracker } from './subscriptions.js';
import { serveWeb } from './web.js';
import { attachWebSocket } from './websocket.js';
import { createGraphQLHandler, GRAPHQL_PATH } from './yoga.js';

export interface ServerOptions {
  runtime: Runtime;
  config: Config;
  logger: Logger;
  /** Default: a fresh registry (attempt figures then need `metrics.onAttempt` passed to the runtime). */
  metrics?: Metrics;
  /** How long requests in flight get to finish at close before their connections are cut. Default 5000. */
  closeGraceMs?: number;
  /** The execution guard's budget per operation (execution-guard.ts); tests lower it. */
  executionGuard?: Partial<ExecutionGuardLimits>;
  /** True while the process warms its JIT (src/warm-up.ts): /ready answers 503 `warming-up`. */
  warmingUp?: () => boolean;
  /** Connection deadlines and readiness timings; tests shorten them. */
  timeouts?: Partial<ServerTimeouts>;
}

export interface ServerTimeouts {
  /** A client must send a request's headers within this (slowloris). Default 10000 ms. */
  headersMs: number;
  /** ...and the whole request within this. Default 30000 ms. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. Default 5000 ms. */
  keepAliveMs: number;
  /** How often Node checks the two deadlines above. Default 1000 ms. */
  checkEveryMs: number;
  /** WebSocket: ping interval; a socket that misses a pong is terminated. Default 12000 ms. */
  heartbeatMs: number;
  /** WebSocket: connection_init must arrive within this. Default 5000 ms. */
  initMs: number;
  /** /ready: least time between two storage probes. Default 1000 ms. */
  readyRefreshMs: number;
  /** /ready: how long a failed write keeps it at 503 before probing again. Default 5000 ms. */
  readyHoldMs: number;
}

const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5000,
  checkEveryMs: 1000,
  heartbeatMs: 12_000,
  initMs: 5000,
  readyRefreshMs: 1000,
  readyHoldMs: 5000,
};

export interface AppServer {
  /** http://host:port/graphql, with the port actually bound. */
  url: string;
  wsUrl: string;
  port: number;
  metrics: Metrics;
  /** Subscriptions open now (WebSocket and SSE). */
  readonly openSubscriptions: number;
  /** WebSockets open now, and the remote addresses holding them. */
  readonly openSockets: number;
  readonly socketClients: number;
  /** Stops accepting work (ready → 503), completes subscriptions, waits for requests; the runtime stays up. */
  close(): Promise<void>;
}

/** Content types a browser may POST cross-site without a preflight: refused, so no page can forge a mutation. */
const SIMPLE_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;
const ROUTES = new Set(['/health', '/ready', '/metrics', GRAPHQL_PATH, '/']);
const HEADERS = Object.entries(BASE_HEADERS);

export async function createServer(options: ServerOptions): Promise<AppServer> {
  const { runtime, config, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const startedAt = new Date();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  let draining = false;
  const readiness = createReadiness({
    probe: () => runtime.store.checkWritable(),
    draining: () => draining,
    warmingUp: options.warmingUp,
    refreshMs: timeouts.readyRefreshMs,
    holdMs: timeouts.readyHoldMs,
  });

  const stats = createStatsFeed({
    service: runtime.service,
    events: runtime.events,
    onOtherChange: (listener) => runtime.fleet.onPausedChange(listener),
    onError: (err) => logger.error({ err }, 'queue figures could not be read'),
  });
  const messages = createLiveMessages({ service: runtime.service, events: runtime.events });
  const tracker = createSubscriptionTracker({ maxPerKey: config.MAX_SUBSCRIPTIONS_PER_KEY });
  metrics.attach({ service: runtime.service, openSubscriptions: () => tracker.size });
  const auth = createAuthenticator(config.API_KEYS);
  // Wrong keys are throttled per client address, over HTTP, SSE and WebSocket alike.
  const keys = createKeyThrottle(auth);
  const addressOf = clientAddress(config.TRUST_PROXY);
  // One budget per key, whether it calls over HTTP, SSE or WebSocket.
  const limiter = runtime.redis
    ? createSharedRateLimiter({
        redis: runtime.redis,
        perSecond: config.RATE_LIMIT_PER_SECOND,
        prefix: config.REDIS_PREFIX,
      })
    : createRateLimiter(config.RATE_LIMIT_PER_SECOND);
  const yoga = createGraphQLHandler({
    schema,
    service: runtime.service,
    webhooks: runtime.webhooks,
    events: runtime.events,
    stats,
    messages,
    keys,
    clientAddress: addressOf,
    limiter,
    tracker,
    logger,
    readiness,
    maxCost: config.MAX_QUERY_COST,
    guard: options.executionGuard,
  });

  async function route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (auth.open && !isLoopbackHost(req.headers.host)) return sendJson(res, hostRefused());
    if (pathname === '/health') return sendJson(res, health(startedAt));
    if (pathname === '/ready') return sendJson(res, await readiness.check());
    if (pathname === '/metrics') {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
      return;
    }
    if (pathname === GRAPHQL_PATH) {
      if (req.method === 'POST' && SIMPLE_TYPES.test(req.headers['content-type'] ?? '')) {
        return sendJson(res, {
          status: 415,
          body: {
            errors: [
              {
                message: 'POST a JSON body (Content-Type: application/json) with query and variables',
                extensions: { code: 'BAD_USER_INPUT' },
              },
            ],
          },
        });
      }
      await yoga(req, res);
      return;
    }
    res.setHeader('content-security-policy', WEB_CSP);
    if (await serveWeb(req, res, pathname)) return;
    res.setHeader('content-security-policy', BASE_HEADERS['content-security-policy']!);
    sendJson(res, { status: 404, body: { error: 'Not found', graphql: GRAPHQL_PATH } });
  }

  const server = createHttpServer({ connectionsCheckingInterval: timeouts.checkEveryMs }, (req, res) => {
    const started = performance.now();
    for (const [name, value] of HEADERS) res.setHeader(name, value);
    const pathname = pathOf(req.url ?? '/');
    res.on('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const label = ROUTES.has(pathname) ? pathname : 'other';
      metrics.observeRequest(req.method ?? 'GET', label, res.statusCode, seconds);
      logger.debug(
        { method: req.method, path: pathname, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
    });
    route(req, res, pathname).catch((err: unknown) => {
      logger.error({ err, path: pathname }, 'request failed');
      if (!res.headersSent) sendJson(res, { status: 500, body: { error: 'Internal error' } });
      else res.destroy();
    });
  });
  // Idle and half-open connections are cut: headers and the whole request have deadlines, idle keep-alive
  // sockets are closed (SSE responses are not requests in progress, so streams are not cut).
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.on('clientError', answerClientError);
  // Past this many open TCP connections new ones are closed at once (Node drops them), before any memory is spent.
  server.maxConnections = config.MAX_CONNECTIONS;

  const ws = attachWebSocket({
    server,
    yoga,
    keys,
    clientAddress: addressOf,
    hostAllowed: (host) => !auth.open || isLoopbackHost(host),
    limiter,
    logger,
    draining: () => draining,
    heartbeatMs: timeouts.heartbeatMs,
    initTimeoutMs: timeouts.initMs,
    maxSocketsPerClient: config.WS_MAX_CONNECTIONS_PER_CLIENT,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const url = `http://${host}:${port}${GRAPHQL_PATH}`;
  logger.info({ url, open: auth.open, workerConcurrency: config.WORKER_CONCURRENCY }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    metrics,
    get openSubscriptions() {
      return tracker.size;
    },
    get openSockets() {
      return ws.socketCount;
    },
    get socketClients() {
      return ws.clientCount;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await ws.dispose();
        await tracker.endAll();
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 5000);
        await closed;
        clearTimeout(grace);
        logger.info('server closed');
      })();
      return closing;
    },
  };
}

/** The request's path, as the URL parser normalises it; the GraphQL endpoint, asked on every call, without it. */
function pathOf(url: string): string {
  if (url === GRAPHQL_PATH || url.startsWith(`${GRAPHQL_PATH}?`)) return GRAPHQL_PATH;
  return new URL(url, 'http://localhost').pathname;
}

function hostRefused(): Probe {
  return { status: 403, body: { errors: [{ message: HOST_REFUSED, extensions: { code: 'FORBIDDEN' } }] } };
}

function sendJson(res: ServerResponse, probe: Probe): void {
  const body = JSON.stringify(probe.body);
  res.writeHead(probe.status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}
