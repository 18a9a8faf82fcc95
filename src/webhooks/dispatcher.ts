// The webhook dispatcher of one process: makes deliveries from the stored event log and makes the calls.
//
// One pass, run `batchMs` after a change of a delivered kind is published here (made by this process, or followed
// from the log: changes that come together are taken together), every `pollMs`, when a retry falls due, and when
// half the call slots are free again:
//   1. outcomes: records how the calls that ended since the last pass went, in one transaction: DELIVERED, a
//      retry at a backoff, or FAILED once the delivery's 24 hours are over;
//   2. outbox: for every endpoint behind the log's last position, read the events of delivered kinds after its
//      cursor and, in one transaction, insert its deliveries and move its cursor (only if the cursor still stands
//      where it was read: of several processes, one makes each delivery; the rest re-read the endpoints);
//   3. calls: claim due deliveries up to the free call slots in one statement (a lease, so each is called by one
//      process at a time) and call them in the background.
// Passes never overlap; a wake-up during one runs another after it. Batching keeps the dispatcher's share of a
// busy process small: a few transactions per batch of calls rather than several per call.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { QueueEvents } from '../queue/events.js';
import type { QueueStore } from '../queue/store.js';
import type { MessageEvent } from '../queue/types.js';
import { resolveTarget, TargetRefused } from './address.js';
import { RETRY_WINDOW_MS, webhookBackoffMs } from './backoff.js';
import { deliveryId } from './ids.js';
import { DELIVERED_KINDS, WIRE_TYPES, webhookEventsOf } from './kinds.js';
import { webhookBody } from './payload.js';
import { type CallResult, callWebhook } from './send.js';
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  Endpoint,
  NewDelivery,
  Settled,
  WebhookStore,
} from './types.js';

export interface DispatcherOptions {
  /** Where the log's last position is read. */
  store: Pick<QueueStore, 'lastEventSeq'>;
  webhooks: WebhookStore;
  /** This process's changes, for wake-ups; none in the webhook thread, which its host wakes with `kick`. */
  events?: QueueEvents;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
  allowPrivate: boolean;
  /** The first retry's wait (WEBHOOK_RETRY_BASE_MS); each next one doubles. */
  retryBaseMs: number;
  /** This process's name on the leases it takes. */
  workerId: string;
  clock?: () => Date;
  /** How often a pass runs without a wake-up (other processes' retries, endpoints they created). Default 1000. */
  pollMs?: number;
  /** Calls in flight at once. Default 32. */
  concurrency?: number;
  /**
   * How long a claimed delivery is held before another process may call it again: past the call's 10 s and the
   * name's resolution, and what a restart after a crash waits for the calls that were in flight. Default 15,000.
   */
  leaseMs?: number;
  /** Most events read from the log per pass. Default 1000. */
  /** How long after a change a pass runs, to take the changes that come with it in the same pass. Default 20 ms. */
  batchMs?: number;
  batch?: number;
  /**
   * Deliveries DELIVERED this long ago, or FAILED with their retries ended this long ago, are removed (checked
   * about every 5 minutes; RETENTION_HOURS). Default 24 hours.
   */
  retentionMs?: number;
  onError?: (error: unknown) => void;
  /** Told of every call's outcome (metrics, logs: never the secret or the body). */
  onCall?: (info: { deliveryId: string; webhookId: string; attempt: number; result: CallResult }) => void;
}

export interface Dispatcher {
  start(): void;
  /** Runs a pass soon; after this process created or deleted an endpoint, re-reads the endpoints first. */
  kick(endpointsChanged?: boolean): void;
  /** Resolves once no pass is running or queued and no call is in flight (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /** Where calls are made: this event loop, a worker thread that is running, or none yet (no endpoint so far). */
  readonly runsIn: 'loop' | 'thread' | 'none';
}

const KINDS = new Set<string>(DELIVERED_KINDS);
const PURGE_EVERY_MS = 5 * 60_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, webhooks, events } = options;
  const clock = options.clock ?? (() => new Date());
  const pollMs = options.pollMs ?? 1000;
  const concurrency = options.concurrency ?? 32;
  const batchMs = options.batchMs ?? 20;
  const retentionMs = options.retentionMs ?? 24 * 3_600_000;
  const leaseMs = options.leaseMs ?? 15_000;
  const batch = options.batch ?? 1000;
  const onError = options.onError ?? (() => {});
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }),
  };
  let endpoints: Endpoint[] | null = null;
  let endpointsReadAt = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;
  let due: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  let ended: Settled[] = [];
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  let purgedAt = 0;

  async function currentEndpoints(): Promise<Endpoint[]> {
    if (!endpoints || Date.now() - endpointsReadAt >= pollMs) {
      endpoints = await webhooks.endpoints();
      endpointsReadAt = Date.now();
    }
    return endpoints;
  }

  async function makeDeliveries(list: Endpoint[]): Promise<boolean> {
    const last = await store.lastEventSeq();
    const behind = list.filter((e) => e.cursor < last);
    if (behind.length === 0) return false;
    const from = Math.min(...behind.map((e) => e.cursor));
    const read = await webhooks.events(from, last, DELIVERED_KINDS, batch);
    // A full batch may stop short of the last position: the cursor moves only as far as was read.
    const upTo = read.length === batch ? read[read.length - 1]!.seq : last;
    const now = clock();
    const retryUntil = new Date(now.getTime() + RETRY_WINDOW_MS);
    for (const endpoint of behind) {
      const deliveries = deliveriesFor(endpoint, read);
      // New deliveries fill free call slots as they are made: one write each instead of an insert and a claim.
      const free = stopped ? 0 : concurrency - inFlight.size;
      const claimed = await webhooks.advance(
        endpoint.id,
        endpoint.cursor,
        upTo,
        deliveries,
        now,
        retryUntil,
        {
          workerId: options.workerId,
          leaseMs,
          limit: free,
        },
      );
      if (claimed === null) {
        endpoints = null; // another process moved it: re-read before the next pass
        continue;
      }
      endpoint.cursor = upTo;
      const byId = new Map(deliveries.map((d) => [d.id, d]));
      for (const id of claimed) {
        start({
          id,
          webhookId: endpoint.id,
          url: endpoint.url,
          secret: endpoint.secret,
          body: byId.get(id)!.body,
          attempts: 1,
          retryUntil,
        });
      }
    }
    return upTo < last;
  }

  async function claimAndCall(): Promise<void> {
    const free = concurrency - inFlight.size;
    if (free <= 0 || stopped) return;
    for (const delivery of await webhooks.claim(options.workerId, free, leaseMs, clock())) start(delivery);
  }

  /** Calls a claimed delivery in the background, in one of the call slots. */
  function start(delivery: ClaimedDelivery): void {
    const call: Promise<void> = callOne(delivery)
      .catch(onError)
      .finally(() => {
        inFlight.delete(call);
        // Refill in batches: once half the slots are free, or at once when the last call ends.
        if (inFlight.size <= concurrency / 2) schedule(0);
      });
    inFlight.add(call);
  }

  async function callOne(delivery: ClaimedDelivery): Promise<void> {
    let result: CallResult;
    try {
      const target = await resolveTarget(delivery.url, options.allowPrivate);
      result = await callWebhook(target, delivery, agents, clock());
    } catch (error) {
      if (!(error instanceof TargetRefused)) throw error;
      result = { ok: false, statusCode: null, error: `refused: ${error.message}` };
    }
    options.onCall?.({
      deliveryId: delivery.id,
      webhookId: delivery.webhookId,
      attempt: delivery.attempts,
      result,
    });
    if (stopped && !result.ok) return; // stopping: the lease runs out and another process retries it
    const now = clock();
    let outcome: DeliveryOutcome;
    if (result.ok) outcome = { status: 'DELIVERED', statusCode: result.statusCode! };
    else if (now.getTime() >= delivery.retryUntil.getTime())
      outcome = { status: 'FAILED', error: result.error!, statusCode: result.statusCode };
    else {
      const waitMs = webhookBackoffMs(delivery.attempts, options.retryBaseMs);
      outcome = {
        status: 'PENDING',
        nextAttemptAt: new Date(now.getTime() + waitMs),
        error: result.error!,
        statusCode: result.statusCode,
      };
      if (!stopped) setTimeout(() => schedule(0), waitMs + 5).unref();
    }
    ended.push({ id: delivery.id, outcome });
  }

  async function recordOutcomes(): Promise<void> {
    if (ended.length === 0) return;
    const list = ended;
    ended = [];
    await webhooks.settle(list, options.workerId, clock());
  }

  async function pass(): Promise<void> {
    await recordOutcomes();
    if (Date.now() - purgedAt >= PURGE_EVERY_MS) {
      purgedAt = Date.now();
      await webhooks.purge(new Date(clock().getTime() - retentionMs));
    }
    const list = await currentEndpoints();
    if (list.length === 0) return;
    let more = true;
    while (more && !stopped) more = await makeDeliveries(list);
    await claimAndCall();
  }

  /** Runs a pass in `delayMs` (0: now), or after the running one; a pass already scheduled sooner stands. */
  function schedule(delayMs: number): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (delayMs > 0) {
      due ??= setTimeout(runPass, delayMs);
      return;
    }
    clearTimeout(due);
    runPass();
  }

  function runPass(): void {
    due = undefined;
    running = pass()
      .catch(onError)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          schedule(0);
        }
      });
  }

  function kick(endpointsChanged = false): void {
    if (endpointsChanged) endpoints = null;
    schedule(0);
  }

  return {
    runsIn: 'loop',
    start() {
      stopped = false;
      off = events?.onChange((e: MessageEvent) => {
        if (KINDS.has(e.kind) && (endpoints === null || endpoints.length > 0)) schedule(batchMs);
      });
      timer = setInterval(() => schedule(0), pollMs);
      timer.unref();
      kick();
    },
    kick,
    async idle() {
      while (running || inFlight.size > 0 || ended.length > 0) {
        await running;
        await Promise.all([...inFlight]);
        if (!running && ended.length > 0) await recordOutcomes().catch(onError);
      }
    },
    async stop() {
      stopped = true;
      off?.();
      clearInterval(timer);
      clearTimeout(due);
      await running;
      await Promise.allSettled([...inFlight]);
      await recordOutcomes().catch(onError);
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** The deliveries one endpoint gets from events after its cursor, in log order. */
function deliveriesFor(endpoint: Endpoint, read: MessageEvent[]): NewDelivery[] {
  const wanted = new Set(endpoint.events);
  const out: NewDelivery[] = [];
  for (const event of read) {
    if (event.seq <= endpoint.cursor) continue;
    for (const name of webhookEventsOf(event)) {
      if (!wanted.has(name)) continue;
      const type = WIRE_TYPES[name];
      out.push({
        id: deliveryId(),
        messageId: event.messageId,
        messageVersion: event.version,
        eventSeq: event.seq,
        type,
        body: webhookBody(type, event.at, event.message),
      });
    }
  }
  return out;
}
