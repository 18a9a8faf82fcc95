// The queue's operations as callers see them: validation, access rules and the store, with no transport.
import { type Actor, canCancel, canOperate, canRead, canRetry, canReview } from './access.js';
import { BadInputError, type DomainError, ForbiddenError, NotFoundError } from './errors.js';
import { estimateProcessingTime } from './estimate.js';
import type { EventFeed, QueueEvents } from './events.js';
import type { FleetMember } from './fleet.js';
import { newMessageId } from './ids.js';
import type { QueueStore, Transition } from './store.js';
import { cancel, retry, review } from './transitions.js';
import type {
  AttemptRecord,
  Json,
  Message,
  MessageEvent,
  MessageFilter,
  Page,
  Priority,
  ProcessInfo,
  QueueStats,
  ReviewAction,
} from './types.js';
import type { Worker } from './worker.js';

export interface SubmitInput {
  /** The work itself, validated by `parsePayload`. */
  payload: unknown;
  /** How the processor is to handle it, validated by `parseOptions`. */
  options?: unknown;
  /** Omitted: `priorityFor(payload)`. */
  priority?: Priority | null;
  idempotencyKey?: string | null;
  maxRetries?: number | null;
  timeoutSeconds?: number | null;
  /** Not taken before this moment (at most `LIMITS.runAtDays` ahead); omitted or past: now. */
  runAt?: Date | null;
}

export interface SubmitResult {
  message: Message;
  /** False when an idempotency key returned an earlier message. */
  created: boolean;
  /**
   * 1 = next to be taken; 0 when the message is not waiting (already running, done, or a retry not yet due).
   * Computed when first asked (then kept): counting the line costs more than the submission itself.
   */
  queuePosition(): Promise<number>;
  /** In words, from the position and recent attempt times; computed when first asked. */
  estimatedProcessingTime(): Promise<string>;
}

export interface QueueServiceOptions {
  store: QueueStore;
  events: QueueEvents;
  feed: EventFeed;
  /** Runs `run()` submissions in the request (a worker with concurrency 0 of this process). */
  syncWorker: Worker;
  /** This process in the fleet: the shared pause and the list of processes. */
  fleet: FleetMember;
  maxSize: number;
  /** Most PENDING or PROCESSING messages one caller's submissions may hold; undefined: only `maxSize`. */
  maxPerOwner?: number;
  /** Workers assumed to share the queue, for estimates. */
  workerCount: number;
  /** Validates and normalises a submission payload; throws BadInputError naming the field (e.g. `submission.address`). */
  parsePayload: (input: unknown) => Json;
  /**
   * Validates a submission's options and returns what to store (null: none); throws BadInputError naming the field
   * within them or a DomainError refusing them. Default: kept as given, JSON, or null.
   */
  parseOptions?: (input: unknown) => Json | null;
  priorityFor: (payload: Json) => Priority;
  clock?: () => Date;
  /** How long a synchronous run's lease lasts between heartbeats of the sync worker. */
  leaseMs?: number;
  /** Runs around each enqueue, given the new messages' ids before they are stored (tracing); default: none. */
  aroundEnqueue?: <T>(ids: string[], priority: string, enqueue: () => Promise<T>) => Promise<T>;
}

/** The queue's figures as the service reports them: the stored ones, and whether the fleet is paused. */
export type ServiceStats = QueueStats & { workerPaused: boolean };

export const LIMITS = {
  maxRetries: [0, 10],
  timeoutSeconds: [1, 3600],
  idempotencyKeyLength: 200,
  notesLength: 2000,
  runAtDays: 366,
  /** Most submissions in one submitMany. */
  batch: 1000,
} as const;

/** PostgreSQL text cannot hold U+0000, so stored strings refuse it on every engine alike. */
const NUL = '\u0000';
const NO_NUL = 'must not contain the NUL character (U+0000)';
const DAY_MS = 86_400_000;

export type QueueService = ReturnType<typeof createQueueService>;

export function createQueueService(options: QueueServiceOptions) {
  const { store, feed } = options;
  const clock = options.clock ?? (() => new Date());
  const parseOptions = options.parseOptions ?? ((input: unknown) => (input ?? null) as Json | null);

  // The mean attempt time for estimates, read at most once a second: the full figures cost a few queries.
  let mean: { value: number | null; at: number; pending?: Promise<number | null> } = {
    value: null,
    at: -Infinity,
  };
  async function meanAttemptMs(): Promise<number | null> {
    const now = clock().getTime();
    if (now - mean.at < 1000) return mean.value;
    mean.pending ??= store
      .stats(clock(), options.maxSize)
      .then((s) => {
        mean = { value: s.meanProcessingMs, at: now };
        return s.meanProcessingMs;
      })
      .finally(() => {
        mean.pending = undefined;
      });
    return mean.pending;
  }

  const figures: Figures = { store, meanAttemptMs, workerCount: options.workerCount };

  /** Reads a message the actor may see; another submitter's message reads as unknown. */
  async function visible(actor: Actor, id: string): Promise<Message> {
    const message = await store.get(id);
    if (!message || !canRead(actor, message.owner)) throw new NotFoundError(id);
    return message;
  }

  async function changeOne(id: string, transition: Transition): Promise<Message> {
    const [outcome] = await store.change([{ id, transition }], clock());
    feed.nudge();
    if (!outcome) throw new NotFoundError(id);
    if (outcome.ok) return outcome.message;
    if (outcome.skipped) return outcome.current;
    throw outcome.error as DomainError;
  }

  function prepare(actor: Actor, input: SubmitInput, defaults: { maxRetries: number }) {
    let payload: Json;
    try {
      payload = options.parsePayload(input.payload);
    } catch (error) {
      if (error instanceof BadInputError) throw new BadInputError(`input.${error.field}`, error.rule);
      throw error;
    }
    const maxRetries = intIn('input.maxRetries', input.maxRetries ?? defaults.maxRetries, LIMITS.maxRetries);
    const timeoutSeconds = intIn('input.timeoutSeconds', input.timeoutSeconds ?? 300, LIMITS.timeoutSeconds);
    const key = input.idempotencyKey ?? null;
    if (key !== null && (key.length < 1 || key.length > LIMITS.idempotencyKeyLength)) {
      throw new BadInputError(
        'input.idempotencyKey',
        `must be 1 to ${LIMITS.idempotencyKeyLength} characters`,
      );
    }
    if (key?.includes(NUL)) throw new BadInputError('input.idempotencyKey', NO_NUL);
    let messageOptions: Json | null;
    try {
      messageOptions = parseOptions(input.options);
    } catch (error) {
      if (error instanceof BadInputError) throw new BadInputError(`input.${error.field}`, error.rule);
      throw error;
    }
    const createdAt = clock();
    return {
      id: newMessageId(),
      priority: input.priority ?? options.priorityFor(payload),
      payload,
      options: messageOptions,
      maxRetries,
      timeoutSeconds,
      owner: actor.id,
      idempotencyKey: key,
      createdAt,
      runAt: runAtOf(input.runAt, createdAt),
    };
  }

  const around = <T>(ids: string[], priority: string, enqueue: () => Promise<T>): Promise<T> =>
    options.aroundEnqueue ? options.aroundEnqueue(ids, priority, enqueue) : enqueue();

  return {
    async submit(actor: Actor, input: SubmitInput): Promise<SubmitResult> {
      const now = clock();
      const prepared = prepare(actor, input, { maxRetries: 3 });
      const { message, created } = await around([prepared.id], prepared.priority, () =>
        store.enqueue(prepared, { maxSize: options.maxSize, maxPerOwner: options.maxPerOwner }, now),
      );
      if (created) feed.nudge();
      return new Submitted(message, created, now, figures);
    },

    /**
     * Submits 1 to LIMITS.batch inputs in one transaction: every one is created or none is. A bad item is
     * BadInputError naming its index (`input[3].submission.coverageAmount`); a batch past a capacity limit is
     * QueueFullError. Idempotency keys work per item. The answers come in input order.
     */
    async submitMany(actor: Actor, inputs: SubmitInput[]): Promise<SubmitResult[]> {
      if (inputs.length < 1 || inputs.length > LIMITS.batch) {
        throw new BadInputError('input', `must hold 1 to ${LIMITS.batch} submissions, not ${inputs.length}`);
      }
      const prepared = inputs.map((input, i) => {
        try {
          return prepare(actor, input, { maxRetries: 3 });
        } catch (error) {
          if (error instanceof BadInputError)
            throw new BadInputError(error.field.replace(/^input/, `input[${i}]`), error.rule);
          throw error;
        }
      });
      const now = clock();
      const priorities = [...new Set(prepared.map((p) => p.priority))].join(',');
      const stored = await around(
        prepared.map((p) => p.id),
        priorities,
        () =>
          store.enqueueMany(prepared, { maxSize: options.maxSize, maxPerOwner: options.maxPerOwner }, now),
      );
      if (stored.some((s) => s.created)) feed.nudge();
      return stored.map((s) => new Submitted(s.message, s.created, now, figures));
    },

    /** Processes a submission within the call, through the same processor, recording the message. */
    async run(
      actor: Actor,
      input: Omit<SubmitInput, 'priority' | 'idempotencyKey' | 'maxRetries' | 'runAt'>,
    ) {
      const prepared = prepare(actor, { ...input, maxRetries: 0, runAt: null }, { maxRetries: 0 });
      const { message } = await around([prepared.id], prepared.priority, () =>
        store.enqueue(
          prepared,
          {
            maxSize: options.maxSize,
            maxPerOwner: options.maxPerOwner,
            claimFor: { workerId: options.syncWorker.id, leaseMs: options.leaseMs ?? 6000 },
          },
          clock(),
        ),
      );
      feed.nudge();
      return (await options.syncWorker.runClaimed(message)) ?? (await visible(actor, message.id));
    },

    get: (actor: Actor, id: string): Promise<Message | null> =>
      store.get(id).then((m) => (m && canRead(actor, m.owner) ? m : null)),

    visible,

    /** The messages with these ids that the actor may see, in the order asked; null for the others. */
    async getMany(actor: Actor, ids: string[]): Promise<(Message | null)[]> {
      if (ids.length > LIMITS.batch) {
        throw new BadInputError('ids', `must hold at most ${LIMITS.batch} ids, not ${ids.length}`);
      }
      if (ids.length === 0) return [];
      const found = new Map((await store.getMany(ids)).map((m) => [m.id, m]));
      return ids.map((id) => {
        const m = found.get(id);
        return m && canRead(actor, m.owner) ? m : null;
      });
    },

    list(actor: Actor, filter: MessageFilter, page: Page): Promise<Message[]> {
      return store.list(scoped(actor, filter), page);
    },

    count(actor: Actor, filter: MessageFilter): Promise<number> {
      return store.count(scoped(actor, filter));
    },

    async cancel(actor: Actor, id: string): Promise<Message> {
      const message = await visible(actor, id);
      if (!canCancel(actor, message.owner))
        throw new ForbiddenError('Only an admin may cancel a message another key submitted');
      return changeOne(id, cancel());
    },

    async retry(actor: Actor, id: string): Promise<Message> {
      await visible(actor, id);
      if (!canRetry(actor)) throw new ForbiddenError('Only an admin may retry a failed message');
      return changeOne(id, retry());
    },

    /**
     * Sends back every dead letter that `filter` matches (as retry does each), in transactions of RETRY_CHUNK;
     * returns how many went back. Admins only.
     */
    async retryMany(actor: Actor, filter: DeadLetterFilter): Promise<number> {
      if (!canRetry(actor)) throw new ForbiddenError('Only an admin may retry failed messages');
      const where = { ...deadLetterFilter(filter), statuses: ['FAILED' as const] };
      let count = 0;
      let beforeSeq: number | undefined;
      for (;;) {
        const page = await store.list(where, { beforeSeq, limit: RETRY_CHUNK });
        if (page.length === 0) break;
        const outcomes = await store.change(
          page.map((m) => ({ id: m.id, transition: retry() })),
          clock(),
        );
        count += outcomes.filter((o) => o.ok).length;
        feed.nudge();
        if (page.length < RETRY_CHUNK) break;
        beforeSeq = page[page.length - 1]!.seq;
      }
      return count;
    },

    async review(actor: Actor, id: string, action: ReviewAction, notes: string | null): Promise<Message> {
      if (!canReview(actor)) throw new ForbiddenError('Only a reviewer or an admin may review results');
      await visible(actor, id);
      const trimmed = notes?.trim() || null;
      if (trimmed && trimmed.length > LIMITS.notesLength) {
        throw new BadInputError('notes', `must be at most ${LIMITS.notesLength} characters`);
      }
      if (trimmed?.includes(NUL)) throw new BadInputError('notes', NO_NUL);
      return changeOne(id, review(action, actor.name, trimmed));
    },

    async history(actor: Actor, id: string, afterVersion = 0): Promise<MessageEvent[]> {
      await visible(actor, id);
      return store.history(id, afterVersion);
    },

    async attempts(actor: Actor, id: string): Promise<AttemptRecord[]> {
      await visible(actor, id);
      return store.attemptsOf(id);
    },

    async queuePosition(id: string): Promise<number | null> {
      return store.queuePosition(id, clock());
    },

    /** The stored figures, with the fleet's pause as this process knows it. */
    async stats(): Promise<ServiceStats> {
      const figures = await store.stats(clock(), options.maxSize);
      return { ...figures, workerPaused: options.fleet.paused };
    },

    /** Stops every worker of the fleet from taking new messages (running ones finish); returns paused. */
    async pause(actor: Actor): Promise<boolean> {
      if (!canOperate(actor)) throw new ForbiddenError('Only an admin may pause the workers');
      await options.fleet.setPaused(true);
      return options.fleet.paused;
    },

    /** Lets every worker of the fleet take messages again; returns paused. */
    async resume(actor: Actor): Promise<boolean> {
      if (!canOperate(actor)) throw new ForbiddenError('Only an admin may resume the workers');
      await options.fleet.setPaused(false);
      return options.fleet.paused;
    },

    /** Whether the fleet's workers are paused, as this process last read it (at most a heartbeat old). */
    get paused(): boolean {
      return options.fleet.paused;
    },

    /** The live processes on this database (admins). */
    processes(actor: Actor): Promise<ProcessInfo[]> {
      if (!canOperate(actor)) throw new ForbiddenError('Only an admin may list the workers');
      return options.fleet.list();
    },
  };
}

/** What a submission's position and estimate are computed from. */
interface Figures {
  store: QueueStore;
  meanAttemptMs(): Promise<number | null>;
  workerCount: number;
}

/**
 * A submission's answer. A class rather than an object of closures: no functions are made per submission,
 * and the position and estimate are computed only when first asked.
 */
class Submitted implements SubmitResult {
  private position: Promise<number> | undefined;

  constructor(
    readonly message: Message,
    readonly created: boolean,
    private readonly at: Date,
    private readonly figures: Figures,
  ) {}

  queuePosition(): Promise<number> {
    this.position ??= this.figures.store.queuePosition(this.message.id, this.at).then((p) => p ?? 0);
    return this.position;
  }

  async estimatedProcessingTime(): Promise<string> {
    const position = await this.queuePosition();
    return estimateProcessingTime(position, await this.figures.meanAttemptMs(), this.figures.workerCount);
  }
}

/** Dead letters sent back per transaction by retryMany: each commit stays short, and a crash midway keeps what went. */
const RETRY_CHUNK = 250;

export interface DeadLetterFilter {
  priorities?: Priority[] | null;
  errorContains?: string | null;
  failedFrom?: Date | null;
  failedBefore?: Date | null;
}

/** The message filter of the dead letters `filter` names; BadInputError for a bad condition. */
export function deadLetterFilter(filter: DeadLetterFilter): MessageFilter {
  const out: MessageFilter = { deadLettered: true };
  if (filter.priorities?.length) out.priorities = filter.priorities;
  if (filter.errorContains != null) {
    if (filter.errorContains.length < 1 || filter.errorContains.length > 500) {
      throw new BadInputError('filter.errorContains', 'must be 1 to 500 characters');
    }
    out.errorContains = filter.errorContains;
  }
  if (filter.failedFrom != null) out.endedFrom = filter.failedFrom;
  if (filter.failedBefore != null) out.endedBefore = filter.failedBefore;
  return out;
}

function scoped(actor: Actor, filter: MessageFilter): MessageFilter {
  return actor.role === 'submitter' ? { ...filter, owner: actor.id } : filter;
}

/** A time ahead, or null for one omitted or past (due now); BadInputError past the horizon or not a time. */
function runAtOf(runAt: Date | null | undefined, now: Date): Date | null {
  if (runAt == null) return null;
  if (Number.isNaN(runAt.getTime())) throw new BadInputError('input.runAt', 'must be a date and time');
  if (runAt.getTime() - now.getTime() > LIMITS.runAtDays * DAY_MS) {
    throw new BadInputError('input.runAt', `must be at most ${LIMITS.runAtDays} days ahead`);
  }
  return runAt > now ? runAt : null;
}

function intIn(field: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}
