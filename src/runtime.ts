// Assembles the queue for one process from the configuration: storage, events, workers, upkeep, service.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import {
  type OpenStoreOptions,
  openStore,
  shareable,
  traceStoreOf,
  webhookStoreOf,
} from './db/open-store.js';
import type { Logger } from './logger.js';
import { BadInputError } from './queue/errors.js';
import { createEventFeed, createQueueEvents, type EventFeed, type QueueEvents } from './queue/events.js';
import { createFleetMember, type FleetMember } from './queue/fleet.js';
import { type Maintenance, startMaintenance } from './queue/maintenance.js';
import type { Processor } from './queue/processor.js';
import { createQueueService, type QueueService } from './queue/service.js';
import type { QueueStore } from './queue/store.js';
import type { Json } from './queue/types.js';
import { type AttemptInfo, createWorker, type Worker } from './queue/worker.js';
import { quoteOptionsParser } from './quote-options.js';
import { createQuoteProcessor } from './quote-processor.js';
import { SubmissionError } from './quotes/errors.js';
import { autoPriority } from './quotes/priority.js';
import { parseSubmission } from './quotes/submission.js';
import { connectRedis } from './redis/connect.js';
import { type RedisWakeups, startRedisWakeups } from './redis/wakeups.js';
import { traceAttempt, traceEnqueue } from './tracing/hooks.js';
import { tracingEnabled } from './tracing/trace.js';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './webhooks/dispatcher.js';
import { createWebhookService, type WebhookService } from './webhooks/service.js';
import { createThreadDispatcher } from './webhooks/thread.js';

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  /** Default: the quote underwriting processor with PROCESSING_DELAY_MS. */
  processor?: Processor;
  clock?: () => Date;
  /** Lease and timing knobs, shortened by tests. */
  leaseMs?: number;
  reapMs?: number;
  workerPollMs?: number;
  feedPollMs?: number;
  /** Run the claiming worker (default: WORKER_CONCURRENCY > 0). */
  withWorker?: boolean;
  /** Least ms between two of the claiming worker's settling transactions (see settler.ts's gapMs). Default 0. */
  settleGapMs?: number | (() => number);
  /** Whether this process serves the API, as the fleet's list shows it. Default true. */
  api?: boolean;
  /** The fleet heartbeat's period, shortened by tests (default 1 s, or a third of FLEET_LEASE_SECONDS if less). */
  fleetHeartbeatMs?: number;
  onAttempt?: (info: AttemptInfo) => void;
  /** Called before each enqueue this process's API makes (WORKER_PROCESS: tells the worker child). */
  onEnqueue?: () => void;
  /** PostgreSQL without LISTEN: how often the log is read for other processes' changes (tests lengthen it). */
  databasePollMs?: number;
  /** How often the webhook dispatcher looks for due calls without a wake-up (default 1000 ms). */
  webhookPollMs?: number;
  /** Webhook calls in a worker thread of their own where the database allows (default true). */
  webhookThread?: boolean;
  /** Where the webhook thread's bundled entry is cached (default: thread-entry.ts's); null: from source. */
  webhookBundle?: string | null;
  /** Test hook for storage-fault tests (see openStore). */
  onSqliteOpen?: OpenStoreOptions['onSqliteOpen'];
}

export interface Runtime {
  store: QueueStore;
  events: QueueEvents;
  feed: EventFeed;
  service: QueueService;
  worker: Worker | undefined;
  syncWorker: Worker;
  maintenance: Maintenance;
  fleet: FleetMember;
  /** The Redis connection for commands (REDIS_URL), shared with the server's rate limits; undefined without it. */
  redis: Redis | undefined;
  /** Wake-ups through Redis pub/sub (REDIS_URL); undefined without it. */
  redisWakeups: RedisWakeups | undefined;
  webhooks: WebhookService;
  dispatcher: Dispatcher;
  /** Stops claiming, drains running attempts for `graceMs`, publishes the last events, closes storage. */
  stop(graceMs?: number): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const withWorker = options.withWorker ?? config.WORKER_CONCURRENCY > 0;
  const store = await openStore(config, {
    onSqliteOpen: options.onSqliteOpen,
    // Beside a worker in another process, this API's writes must not stop its loop while the worker holds the lock;
    // with a worker of its own there is no second writer, and the loop's wait measured slower.
    sqliteLockWait: (options.api ?? true) && !withWorker ? 'loop' : 'sleep',
    pollMs: options.databasePollMs,
    onRetry: (reason, delayMs) =>
      logger.warn({ reason, retryInMs: delayMs }, 'the database cannot be reached yet; retrying'),
  });
  const events = createQueueEvents();
  const onError = (error: unknown, context: string) =>
    logger.error({ err: error, context }, 'queue background task failed');
  const feed = createEventFeed({
    store,
    events,
    pollMs: options.feedPollMs,
    onError: (e) => onError(e, 'feed'),
  });
  await feed.start();
  // Every stored change, wherever it was made, as one log line naming the message (debug: one per change).
  if (logger.isLevelEnabled('debug')) {
    events.onChange((e) =>
      logger.debug(
        { messageId: e.messageId, version: e.version, kind: e.kind, status: e.message.status },
        'message changed',
      ),
    );
  }
  // With an SDK registered, spans around each enqueue and attempt; without one, no hook and no stored traceparent.
  const traces = tracingEnabled() ? traceStoreOf(store) : null;
  const attempts = traces ? traceAttempt(traces) : null;
  const processor =
    options.processor ?? createQuoteProcessor({ processingDelayMs: config.PROCESSING_DELAY_MS });
  const onAttempt = (info: AttemptInfo) => {
    logger.info(
      {
        messageId: info.message.id,
        attempt: info.message.attempts,
        outcome: info.outcome,
        durationMs: info.durationMs,
        error: info.error,
        traceId: attempts?.traceIdOf(info.message.id),
      },
      'attempt ended',
    );
    options.onAttempt?.(info);
  };
  const common = {
    store,
    processor,
    events,
    feed,
    backoffBaseMs: config.RETRY_BACKOFF_MS,
    leaseMs: options.leaseMs,
    reapMs: options.reapMs,
    pollMs: options.workerPollMs,
    clock: options.clock,
    onError,
    onAttempt,
    aroundAttempt: attempts?.around,
  };
  const syncWorker = createWorker({ ...common, concurrency: 0 });
  await syncWorker.start();
  const worker = withWorker
    ? createWorker({ ...common, concurrency: config.WORKER_CONCURRENCY, settleGapMs: options.settleGapMs })
    : undefined;
  const fleet = createFleetMember({
    store,
    worker,
    running: () => (worker?.inFlight ?? 0) + syncWorker.inFlight,
    api: options.api ?? true,
    concurrency: worker ? config.WORKER_CONCURRENCY : 0,
    heartbeatMs: options.fleetHeartbeatMs ?? Math.min(1000, (config.FLEET_LEASE_SECONDS * 1000) / 3),
    leaseMs: config.FLEET_LEASE_SECONDS * 1000,
    clock: options.clock,
    onError: (e) => onError(e, 'fleet heartbeat'),
  });
  const redis = config.REDIS_URL
    ? connectRedis(config.REDIS_URL, logger, 'rate limits, wake-ups')
    : undefined;
  const redisWakeups =
    config.REDIS_URL && redis
      ? startRedisWakeups({
          publisher: redis,
          subscriber: connectRedis(config.REDIS_URL, logger, 'wake-ups'),
          prefix: config.REDIS_PREFIX,
          origin: fleet.id,
          store,
          feed,
          onError: (e) => onError(e, 'redis wake-ups'),
        })
      : undefined;
  // The first heartbeat reads the stored pause before the worker takes anything.
  await fleet.start();
  await worker?.start();
  const maintenance = startMaintenance({
    store,
    retentionMs: config.RETENTION_HOURS * 3_600_000,
    agingMs: config.PRIORITY_AGING_SECONDS * 1000,
    clock: options.clock,
    onError,
    onPurged: (count) => logger.info({ count }, 'removed messages past retention'),
  });
  const service = createQueueService({
    store,
    events,
    feed,
    syncWorker,
    fleet,
    maxSize: config.MAX_QUEUE_SIZE,
    maxPerOwner: config.MAX_ACTIVE_PER_OWNER,
    workerCount: Math.max(1, config.WORKER_CONCURRENCY),
    parsePayload: (input) => {
      try {
        return parseSubmission(input) as unknown as Json;
      } catch (error) {
        if (error instanceof SubmissionError) throw new BadInputError(error.field, error.rule);
        throw error;
      }
    },
    parseOptions: quoteOptionsParser(config.ALLOW_FAULT_INJECTION),
    priorityFor: (payload) => autoPriority((payload as { coverageAmount: number }).coverageAmount),
    clock: options.clock,
    leaseMs: options.leaseMs,
    aroundEnqueue: aroundEnqueueOf(
      traces ? traceEnqueue(traces, options.clock ?? (() => new Date())) : undefined,
      options.onEnqueue,
    ),
  });

  // Every process makes webhook deliveries from the log and calls them; the store makes each happen once.
  // Traceparents are kept as long as the messages they belong to may be.
  const tracePurge = traces
    ? setInterval(
        () =>
          traces
            .purge(new Date(Date.now() - config.RETENTION_HOURS * 3_600_000))
            .catch((e) => onError(e, 'traces')),
        5 * 60_000,
      )
    : undefined;
  tracePurge?.unref();
  const webhookStore = webhookStoreOf(store);
  const dispatching = {
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    workerId: `webhooks-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    pollMs: options.webhookPollMs,
    retentionMs: config.RETENTION_HOURS * 3_600_000,
    onError: (e: unknown) => onError(e, 'webhooks'),
    // Never the secret or the body: the delivery's id, its endpoint and how the call went.
    onCall: ({
      deliveryId,
      webhookId,
      attempt,
      result,
    }: Parameters<NonNullable<DispatcherOptions['onCall']>>[0]) =>
      logger[result.ok ? 'debug' : 'warn'](
        { deliveryId, webhookId, attempt, statusCode: result.statusCode, error: result.error },
        result.ok ? 'webhook delivered' : 'webhook call failed',
      ),
  };
  // Off the worker's event loop in a thread of its own, on a database a second connection can open; in this loop
  // for an in-memory database, or a test's clock (which a thread cannot share).
  const dispatcher =
    options.webhookThread !== false && !options.clock && shareable(config.DATABASE_URL)
      ? createThreadDispatcher({
          ...dispatching,
          store: {
            DATABASE_URL: config.DATABASE_URL,
            DATABASE_POOL_SIZE: config.DATABASE_POOL_SIZE,
            SQLITE_SYNCHRONOUS: config.SQLITE_SYNCHRONOUS,
            SQLITE_MAX_PAGES: config.SQLITE_MAX_PAGES,
          },
          events,
          hasEndpoints: async () => (await webhookStore.endpoints()).length > 0,
          reportDelivered: logger.isLevelEnabled('debug'),
          bundleFile: options.webhookBundle,
        })
      : createDispatcher({ ...dispatching, store, webhooks: webhookStore, events, clock: options.clock });
  dispatcher.start();
  const webhooks = createWebhookService({
    store: webhookStoreOf(store),
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    clock: options.clock,
    onChange: (endpointsChanged) => dispatcher.kick(endpointsChanged),
  });

  return {
    store,
    events,
    feed,
    service,
    worker,
    syncWorker,
    maintenance,
    fleet,
    redis,
    redisWakeups,
    webhooks,
    dispatcher,
    async stop(graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) {
      maintenance.stop();
      clearInterval(tracePurge);
      await Promise.all([worker?.stop(graceMs), syncWorker.stop(graceMs)]);
      await fleet.stop();
      await feed.drain();
      feed.stop();
      await redisWakeups?.stop();
      await redis?.quit().catch(() => redis.disconnect());
      await dispatcher.stop();
      await store.close();
    },
  };
}

type AroundEnqueue = NonNullable<Parameters<typeof createQueueService>[0]['aroundEnqueue']>;

/** The tracing hook and `onEnqueue` as the service's one aroundEnqueue (undefined when neither is given). */
function aroundEnqueueOf(traced: AroundEnqueue | undefined, onEnqueue: (() => void) | undefined) {
  if (!onEnqueue) return traced;
  const around: AroundEnqueue = (ids, priority, enqueue) => {
    onEnqueue();
    return traced ? traced(ids, priority, enqueue) : enqueue();
  };
  return around;
}
