// The storage interface of the queue: every engine (SQLite now, PostgreSQL later) implements it and passes
// the same conformance suite (test/queue/store.conformance.ts). Policy lives in transitions.ts, not here.
import type { DomainError } from './errors.js';
import type {
  AttemptRecord,
  Message,
  MessageEvent,
  MessageFilter,
  NewMessage,
  Page,
  QueueStats,
} from './types.js';

/** The next state of a message, or null when the change no longer applies (a fenced-out late result). */
export type Transition = (current: Message, now: Date) => TransitionResult | null;

export interface TransitionResult {
  /**
   * The message after the change, a new object (or the one passed in) that the store takes over: it sets `seq`
   * and `version` (the current version + 1) on it and hands it out as stored.
   */
  message: Message;
  /** What happened, recorded on the event (`completed`, `retry-scheduled`, `cancelled`, ...). */
  kind: string;
  /** An attempt that this change ended, recorded for history and figures. */
  attempt?: AttemptRecord;
}

export interface ChangeRequest {
  id: string;
  transition: Transition;
}

export type ChangeOutcome =
  | { ok: true; message: Message }
  | { ok: false; skipped: true; current: Message }
  | { ok: false; skipped: false; error: DomainError };

export interface ClaimOptions {
  workerId: string;
  /** At most this many messages, taken in one statement. */
  limit: number;
  leaseMs: number;
  now: Date;
}

export interface EnqueueOptions {
  /** Most messages PENDING or PROCESSING at once; beyond it QueueFullError. */
  maxSize: number;
  /**
   * Most messages PENDING or PROCESSING that one owner's messages may hold at once, checked in the same
   * transaction as `maxSize`; beyond it QueueFullError with scope `owner`. Undefined: no such limit.
   */
  maxPerOwner?: number;
  /** Claim the new message for this worker in the same transaction (the synchronous runQuote path). */
  claimFor?: { workerId: string; leaseMs: number };
}

export interface Held {
  id: string;
  /** The fencing token: the message's `attempts` when it was claimed. */
  attempts: number;
}

export interface QueueStore {
  /** Stores a new message and its first event, unless the owner's idempotency key is known (then the first message). */
  enqueue(
    message: NewMessage,
    options: EnqueueOptions,
    now: Date,
  ): Promise<{ message: Message; created: boolean }>;
  /** Takes up to `limit` due PENDING messages, highest effective priority then oldest first, and leases them. */
  claim(options: ClaimOptions): Promise<Message[]>;
  /** Enqueues several messages in one transaction: all are accepted, or none (QUEUE_FULL, bad input). */
  enqueueMany(
    messages: NewMessage[],
    options: Omit<EnqueueOptions, 'claimFor'>,
    now: Date,
  ): Promise<{ message: Message; created: boolean }[]>;
  /** Applies each transition in one transaction, each writing the message and appending its event. */
  change(requests: ChangeRequest[], now: Date): Promise<ChangeOutcome[]>;
  /**
   * `change`, then `claim` in the same transaction: a worker settles the attempts that ended and refills the
   * slots they freed with one commit. The claim sees the batch's changes (a retry due at once may be retaken).
   */
  changeAndClaim(
    requests: ChangeRequest[],
    now: Date,
    claim: ClaimOptions,
  ): Promise<{ outcomes: ChangeOutcome[]; claimed: Message[] }>;
  /**
   * Listens to the events this store instance appends, called once per committed write transaction with its
   * events in log order (never for a rollback), so the process can publish its own changes without reading
   * them back. Changes made through other connections are not reported: follow them with `eventsAfter`.
   * The messages are shared with the write's result: treat them as read-only. Returns the unsubscribe.
   */
  onAppended?(listener: (events: MessageEvent[]) => void): () => void;
  /** Extends the leases still held by this worker; returns the ids it no longer holds. */
  renewLeases(workerId: string, held: Held[], leaseMs: number, now: Date): Promise<string[]>;
  /** PROCESSING messages whose lease ran out before `now`. */
  expiredLeases(now: Date, limit: number): Promise<Held[]>;
  get(id: string): Promise<Message | null>;
  /** Newest first. */
  list(filter: MessageFilter, page: Page): Promise<Message[]>;
  count(filter: MessageFilter): Promise<number>;
  /** The message's stored versions after `afterVersion`, in order. */
  history(id: string, afterVersion: number): Promise<MessageEvent[]>;
  attemptsOf(id: string): Promise<AttemptRecord[]>;
  /** Events of all messages after a position in the log, in order: how other processes' changes are followed. */
  eventsAfter(seq: number, limit: number): Promise<MessageEvent[]>;
  lastEventSeq(): Promise<number>;
  /** A token that changes when another connection commits; cheap enough to poll every few milliseconds. */
  changeToken(): Promise<number>;
  stats(now: Date, maxSize: number): Promise<QueueStats>;
  /** 1 = next to be taken, counting PENDING messages due now; null unless the message is PENDING and due. */
  queuePosition(id: string, now: Date): Promise<number | null>;
  /** The earliest `nextAttemptAt` of a PENDING message that is not yet due. */
  nextDueAt(now: Date): Promise<Date | null>;
  /** Raises the taking priority of messages PENDING for `agingMs` or longer by one level per `agingMs`. */
  agePriorities(now: Date, agingMs: number): Promise<number>;
  /** Removes COMPLETED (with no review pending) and CANCELLED messages that ended before `before`, with their history. */
  purge(before: Date): Promise<number>;
  /** Throws StorageUnavailableError unless the store can take writes now. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
