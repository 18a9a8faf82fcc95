// The HTTP server: routes /health, /ready, /metrics, /graphql (yoga, plus graphql-ws on upgrade) and the
// web client, and shuts down in order: refuse new work, end subscriptions, let requests finish.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { schema } from '../schema/index.js';
import { createStatsFeed } from '../schema/live-stats.js';
import { createAuthenticator } from './auth.js';
import { health, type Probe, readiness } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createRateLimiter } from './rate-limit.js';
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
}

export interface AppServer {
  /** http://host:port/graphql, with the port actually bound. */
  url: string;
  wsUrl: string;
  port: number;
  metrics: Metrics;
  /** Subscriptions open now (WebSocket and SSE). */
  readonly openSubscriptions: number;
  /** Stops accepting work (ready → 503), completes subscriptions, waits for requests; the runtime stays up. */
  close(): Promise<void>;
}

/** Content types a browser may POST cross-site without a preflight: refused, so no page can forge a mutation. */
const SIMPLE_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;
const ROUTES = new Set(['/health', '/ready', '/metrics', GRAPHQL_PATH, '/']);

export async function createServer(options: ServerOptions): Promise<AppServer> {
  const { runtime, config, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const startedAt = new Date();
  let draining = false;

  const stats = createStatsFeed({
    service: runtime.service,
    events: runtime.events,
    onError: (err) => logger.error({ err }, 'queue figures could not be read'),
  });
  const tracker = createSubscriptionTracker();
  metrics.attach({ service: runtime.service, openSubscriptions: () => tracker.size });
  const auth = createAuthenticator(config.API_KEYS);
  // One budget per key, whether it calls over HTTP, SSE or WebSocket.
  const limiter = createRateLimiter(config.RATE_LIMIT_PER_SECOND);
  const yoga = createGraphQLHandler({
    schema,
    service: runtime.service,
    events: runtime.events,
    stats,
    auth,
    limiter,
    tracker,
    logger,
  });

  async function route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (pathname === '/health') return sendJson(res, health(startedAt));
    if (pathname === '/ready') return sendJson(res, await readiness(runtime.store, draining));
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
    if (await serveWeb(req, res, pathname)) return;
    sendJson(res, { status: 404, body: { error: 'Not found', graphql: GRAPHQL_PATH } });
  }

  const server = createHttpServer((req, res) => {
    const started = performance.now();
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
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
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const ws = attachWebSocket({ server, yoga, auth, limiter, logger, draining: () => draining });

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

function sendJson(res: ServerResponse, probe: Probe): void {
  const body = JSON.stringify(probe.body);
  res.writeHead(probe.status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}
