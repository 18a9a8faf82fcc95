// The worker: claims due messages, runs the processor under a lease and a timeout, and settles the results.
//
// Life of an attempt here:
//   claimed (batch) ─▶ running ─┬─ result ───────────▶ settle complete ─┐
//                               ├─ throws ───────────▶ settle fail ─────┤  (batched: one transaction for all
//                               ├─ timeout ──────────▶ settle fail ─────┤   settlements of the same tick)
//                               ├─ shutdown (grace) ─▶ settle release ──┤
//                               └─ cancelled / lease lost ─▶ dropped ───┴─▶ slot freed ─▶ claim more
// A slot is freed when its attempt hands its settlement to the settler, and the settler refills the slots freed
// by a batch in the batch's own transaction (one commit settles and claims); `pump()` claims otherwise: at
// start, when a message becomes due, on the fallback poll, and when a settlement could not claim.
// Leases are renewed every `heartbeatMs` while an attempt runs; a reaper in every worker process turns
// expired leases (a dead worker) into failed attempts, so the message is taken again within seconds.
import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import { backoffMs } from './backoff.js';
import { dueAt } from './due.js';
import type { EventFeed, QueueEvents } from './events.js';
import { PermanentFailure, type ProcessContext, type ProcessOutcome, type Processor } from './processor.js';
import { createSettler, type Settler } from './settler.js';
import type { ChangeRequest, Held, QueueStore, Transition } from './store.js';
import { complete, fail, failPermanently, progress, release } from './transitions.js';
import type { Json, Message } from './types.js';

export interface WorkerOptions {
  store: QueueStore;
  processor: Processor;
  events: QueueEvents;
  /** Nudged after every write so this process publishes its own changes at once. */
  feed?: EventFeed;
  /** Messages processed at once; 0 claims nothing (only `runClaimed` work). */
  concurrency: number;
  /** Least ms between two of its settling transactions (the settler's gapMs); default 0. */
  settleGapMs?: number | (() => number);
  /** The first retry waits about this long, doubling each time (RETRY_BACKOFF_MS). */
  backoffBaseMs: number;
  /** Default: a random id. */
  workerId?: string;
  /** How long a claim holds a message without a heartbeat. Default 6000. */
  leaseMs?: number;
  /** How often leases are renewed. Default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often expired leases are looked for. Default 1000. */
  reapMs?: number;
  /** Fallback look for due messages when no event woke the worker. Default 1000. */
  pollMs?: number;
  clock?: () => Date;
  random?: () => number;
  onError?: (error: unknown, context: string) => void;
  /** Called when an attempt ends, for metrics and logs. */
  onAttempt?: (info: AttemptInfo) => void;
  /**
   * Runs around each attempt's processing (tracing's span), handing `work` the trace context the processor gets
   * as `trace`; default: none.
   */
  aroundAttempt?: <T>(message: Message, work: (trace?: Context) => Promise<T>) => Promise<T>;
}

export interface AttemptInfo {
  message: Message;
  outcome: 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED' | 'LOST' | 'RELEASED';
  durationMs: number;
  error?: string;
  /** The message as stored after the attempt, when the settlement was stored. */
  stored: Message | null;
}

export interface Worker {
  readonly id: string;
  start(): Promise<void>;
  /** Stops claiming, lets running attempts finish for `graceMs`, then hands the rest back as PENDING. */
  stop(graceMs?: number): Promise<void>;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  readonly inFlight: number;
  /** Runs a message this worker already claimed (the synchronous path); resolves with it as stored after. */
  runClaimed(message: Message): Promise<Message | null>;
}

/** Why an attempt was aborted; the processor sees it as `signal.reason`. */
export class AttemptAborted extends Error {
  constructor(
    readonly why: 'timeout' | 'cancelled' | 'lost' | 'shutdown',
    message: string,
  ) {
    super(message);
    this.name = why === 'timeout' ? 'TimeoutError' : 'AbortError';
  }
}

/**
 * One running attempt. Its AbortController is made only when the processor asks for the signal (most attempts
 * end without anyone looking at it); an abort before that is kept and handed to the controller once made.
 */
class Running {
  /** The attempt no longer holds a slot (its settlement was handed over, or it ended). */
  freed = false;
  /** Why it was aborted, once it was. */
  reason: AttemptAborted | null = null;
  /** Ends the wait for the processor with the abort reason (set while it is awaited). */
  reject: ((reason: AttemptAborted) => void) | null = null;
  private controller: AbortController | null = null;

  readonly fence: Held;
  /** The version the claim wrote: events at or below it are older news, published late. */
  readonly version: number;
  readonly started = Date.now();
  /** When the attempt times out (Date.now() milliseconds). */
  readonly deadline: number;

  constructor(readonly message: Message) {
    this.fence = { id: message.id, attempts: message.attempts };
    this.version = message.version;
    this.deadline = this.started + message.timeoutSeconds * 1000;
  }

  timeoutReason(): AttemptAborted {
    const m = this.message;
    return new AttemptAborted('timeout', `timed out after ${m.timeoutSeconds}s (attempt ${m.attempts})`);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: AttemptAborted): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.reject?.(reason);
  }
}

/** The longest delay setTimeout keeps (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

export function createWorker(options: WorkerOptions): Worker {
  const { store, processor, events, feed } = options;
  const id = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? 6000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 3));
  const reapMs = options.reapMs ?? 1000;
  const pollMs = options.pollMs ?? 1000;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const onError = options.onError ?? (() => {});
  const running = new Map<string, Running>();
  /** Attempts holding a slot. */
  let busy = 0;
  /** Slots promised to a claim under way (pump's, or a settlement's). */
  let reserved = 0;
  /** Last settlements of attempts, waiting to be written: each frees its slot when its batch is written. */
  const lastWords = new Map<ChangeRequest, Running>();
  let accepting = false;
  let paused = false;
  let claiming = false;
  let wantMore = false;

  const freeSlots = () => options.concurrency - busy - reserved;
  const settler = createSettler({
    store,
    clock,
    gapMs: options.settleGapMs,
    onStored: () => feed?.nudge(),
    onError,
    claim(batch) {
      for (const request of batch) {
        const self = lastWords.get(request);
        if (self) {
          free(self);
          lastWords.delete(request);
        }
      }
      if (!accepting || paused) return null;
      const slots = freeSlots();
      if (slots <= 0) return null;
      reserved += slots;
      return { workerId: id, limit: slots, leaseMs, now: clock() };
    },
    onClaimed(claimed, claim, ok) {
      reserved -= claim.limit;
      start(claimed);
      if (!ok) void pump();
    },
  });
  const timers = new Set<NodeJS.Timeout>();
  /** One timer for every attempt's timeout, set for the earliest deadline (not one timer per attempt). */
  let deadlineTimer: NodeJS.Timeout | undefined;
  let deadlineAt = Number.POSITIVE_INFINITY;
  let wakeTimer: NodeJS.Timeout | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;
  let unsubscribe: (() => void) | undefined;
  let idle: (() => void) | undefined;

  function every(ms: number, task: () => Promise<void>, keepAlive = false): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      task()
        .catch((e) => onError(e, 'timer'))
        .finally(() => {
          busy = false;
        });
    }, ms);
    if (!keepAlive) t.unref();
    timers.add(t);
  }

  /**
   * Wakes the claim loop at `at` (a retry or a scheduled message falling due), keeping only the earliest such
   * time; once woken, it waits for the next one the store knows of.
   */
  function wakeAtTime(at: number): void {
    if (at >= wakeAt) return;
    clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(
      () => {
        wakeAt = Number.POSITIVE_INFINITY;
        void pump();
        if (accepting && options.concurrency > 0) {
          store.nextDueAt(clock()).then(
            (next) => next && wakeAtTime(next.getTime()),
            () => {},
          );
        }
      },
      // setTimeout fires at once past about 24.8 days: wake early instead, and wait again from there.
      Math.min(MAX_TIMER_MS, Math.max(0, at - clock().getTime())),
    );
    wakeTimer.unref();
  }

  function watchDeadline(at: number): void {
    if (at >= deadlineAt) return;
    clearTimeout(deadlineTimer);
    deadlineAt = at;
    deadlineTimer = setTimeout(timeOut, Math.max(0, at - Date.now()));
  }

  /** Aborts the attempts past their deadline, then waits for the next one. */
  function timeOut(): void {
    deadlineAt = Number.POSITIVE_INFINITY;
    deadlineTimer = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const r of running.values()) {
      if (r.reason) continue;
      if (r.deadline <= now) r.abort(r.timeoutReason());
      else if (r.deadline < next) next = r.deadline;
    }
    if (next < Number.POSITIVE_INFINITY) watchDeadline(next);
  }

  async function pump(): Promise<void> {
    if (!accepting || paused) return;
    if (claiming) {
      wantMore = true;
      return;
    }
    const free = freeSlots();
    if (free <= 0) return;
    claiming = true;
    reserved += free;
    let claimed: Message[] = [];
    try {
      claimed = await store.claim({ workerId: id, limit: free, leaseMs, now: clock() });
    } catch (error) {
      onError(error, 'claim');
    } finally {
      claiming = false;
      reserved -= free;
    }
    start(claimed);
    if (wantMore || (claimed.length > 0 && claimed.length === free)) {
      wantMore = false;
      setImmediate(() => void pump());
    }
  }

  function start(claimed: Message[]): void {
    if (claimed.length === 0) return;
    feed?.nudge();
    for (const message of claimed) void run(message);
  }

  async function run(message: Message): Promise<Message | null> {
    const self = new Running(message);
    const { fence } = self;
    busy++;
    running.set(message.id, self);
    watchDeadline(self.deadline);
    try {
      const outcome = await new Promise<ProcessOutcome>((resolve, reject) => {
        self.reject = reject;
        const attempt = (trace?: Context) =>
          processor.process(
            {
              id: message.id,
              attempt: message.attempts,
              payload: message.payload,
              options: message.options,
              checkpoint: message.checkpoint,
            },
            new AttemptContext(self, settler, trace),
          );
        const work = options.aroundAttempt ? options.aroundAttempt(message, attempt) : attempt();
        // A processor that ignores the abort may still settle later; that is not news.
        work.then(resolve, reject);
      });
      const stored = await settle(self, complete(fence, outcome));
      report(self, { outcome: 'COMPLETED', stored });
      return stored;
    } catch (error) {
      const reason = self.reason ?? error;
      if (reason instanceof AttemptAborted && (reason.why === 'cancelled' || reason.why === 'lost')) {
        report(self, {
          outcome: reason.why === 'cancelled' ? 'CANCELLED' : 'LOST',
          error: reason.message,
          stored: null,
        });
        return store.get(message.id);
      }
      if (reason instanceof AttemptAborted && reason.why === 'shutdown') {
        const stored = await settle(self, release(fence));
        report(self, { outcome: 'RELEASED', stored });
        return stored;
      }
      const timedOut = reason instanceof AttemptAborted && reason.why === 'timeout';
      const text = errorText(reason);
      if (reason instanceof PermanentFailure) {
        const stored = await settle(self, failPermanently(fence, text));
        report(self, { outcome: 'FAILED', error: text, stored });
        return stored;
      }
      const delay = backoffMs(message.retryCount + 1, options.backoffBaseMs, random());
      const stored = await settle(self, fail(fence, text, delay, timedOut ? 'TIMED_OUT' : 'FAILED'));
      report(self, { outcome: timedOut ? 'TIMED_OUT' : 'FAILED', error: text, stored });
      return stored;
    } finally {
      self.reject = null;
      // The message may already run again here (a retry due at once, retaken by the batch that settled it).
      if (running.get(message.id) === self) running.delete(message.id);
      // A slot freed without a settlement (cancelled, lost) was not refilled by one: look for work now.
      if (free(self)) void pump();
      if (running.size === 0) {
        idle?.();
        clearTimeout(deadlineTimer);
        deadlineAt = Number.POSITIVE_INFINITY;
      }
    }
  }

  /** Hands the attempt's slot back; true the first time. */
  function free(self: Running): boolean {
    if (self.freed) return false;
    self.freed = true;
    busy--;
    return true;
  }

  /** The attempt's last word: its slot goes back when the batch storing it is written, which refills it. */
  function settle(self: Running, transition: Transition): Promise<Message | null> {
    const request = { id: self.fence.id, transition };
    lastWords.set(request, self);
    return settler.submit(request);
  }

  function report(self: Running, info: Omit<AttemptInfo, 'message' | 'durationMs'>): void {
    options.onAttempt?.({ message: self.message, durationMs: Date.now() - self.started, ...info });
  }

  function onChange(event: { message: Message }): void {
    const m = event.message;
    const mine = running.get(m.id);
    if (mine && m.version > mine.version) {
      // Cancelled, or no longer this attempt's: whatever it produces is fenced out, so stop it now.
      if (m.status === 'CANCELLED') mine.abort(new AttemptAborted('cancelled', 'cancelled'));
      else if (m.status !== 'PROCESSING' || m.attempts !== mine.fence.attempts) {
        mine.abort(new AttemptAborted('lost', 'lease lost'));
      }
    }
    if (m.status === 'PENDING' && accepting) {
      const due = dueAt(m)?.getTime();
      if (due === undefined || due <= clock().getTime()) void pump();
      else wakeAtTime(due);
    }
  }

  async function heartbeat(): Promise<void> {
    const held = [...running.values()].map((r) => r.fence);
    const lost = await store.renewLeases(id, held, leaseMs, clock());
    for (const lostId of lost) {
      running.get(lostId)?.abort(new AttemptAborted('lost', 'lease lost'));
    }
  }

  async function reap(): Promise<void> {
    const now = clock();
    const expired = await store.expiredLeases(now, 100);
    if (expired.length === 0) return;
    await Promise.all(
      expired.map((held) =>
        // The interrupted attempt counts, so a message that kills its worker every time ends dead-lettered;
        // it is due again at once, since the failure was the worker's, not the message's.
        settler.submit({
          id: held.id,
          transition: fail(held, 'worker lost: its lease expired before the attempt ended', 0, 'LOST', now),
        }),
      ),
    );
  }

  return {
    id,
    async start() {
      accepting = true;
      unsubscribe = events.onChange(onChange);
      every(heartbeatMs, heartbeat);
      every(reapMs, reap);
      if (options.concurrency > 0) {
        // A claiming worker keeps its process alive, as a listening server does, until stop().
        every(pollMs, pump, true);
        const due = await store.nextDueAt(clock());
        if (due) wakeAtTime(due.getTime());
        void pump();
      }
    },
    async stop(graceMs = 10_000) {
      accepting = false;
      clearTimeout(wakeTimer);
      const deadline = Date.now() + graceMs;
      // Loops because a claim already under way when stop() began may still hand this worker messages.
      for (;;) {
        if (running.size > 0) {
          const allIdle = new Promise<void>((resolve) => {
            idle = resolve;
          });
          const grace = new Promise<void>((resolve) =>
            setTimeout(resolve, Math.max(0, deadline - Date.now())).unref(),
          );
          await Promise.race([allIdle, grace]);
          for (const r of running.values()) r.abort(new AttemptAborted('shutdown', 'shutting down'));
          if (running.size > 0) await allIdle;
        }
        await settler.flush();
        if (running.size === 0) break;
      }
      for (const t of timers) clearInterval(t);
      timers.clear();
      unsubscribe?.();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      void pump();
    },
    get paused() {
      return paused;
    },
    get inFlight() {
      return running.size;
    },
    runClaimed(message) {
      return run(message);
    },
  };
}

/** What the processor gets with a message: the attempt's signal (made on first use) and progress reports. */
class AttemptContext implements ProcessContext {
  constructor(
    private readonly self: Running,
    private readonly settler: Settler,
    readonly trace: Context | undefined,
  ) {}

  get signal(): AbortSignal {
    return this.self.signal;
  }

  reportProgress(value: Json, checkpoint?: Json): void {
    const self = this.self;
    if (!self.reason)
      void this.settler.submit({ id: self.fence.id, transition: progress(self.fence, value, checkpoint) });
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text || 'the attempt failed without a message';
}
