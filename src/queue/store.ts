// The storage interface of the queue: every engine implements it and passes the same conformance suite
// (test/db/store.conformance.ts). Policy lives in transitions.ts, not here.
//
// What every engine promises, however it keeps it:
// - Transactions. Each write method below says what runs in one transaction. Every change of a message writes
//   the message at version + 1 and appends exactly one event for it in the same transaction (a transactional
//   outbox): a committed change always has its event, a rolled-back one leaves neither. Reads see committed data
//   only; a read made of several queries (`stats`) need not be one snapshot.
// - Concurrency. Any number of store instances, in any number of processes, may use one database at once. A
//   PENDING message is claimed by one claim only; a change reads the message as committed and no other write
//   moves it before the change commits (no lost update); the capacity check and the idempotency lookup of an
//   enqueue are exact against concurrent enqueues. A write that conflicts may be retried by the engine, never
//   half-applied.
// - The event log. Each event has a position (`MessageEvent.seq`), and positions become visible in increasing
//   order: once a reader has read position p (through `eventsAfter`, `lastEventSeq` or `onAppended`), no event at
//   or below p becomes visible later. Positions may have gaps (a purge, an engine's unused numbers): a reader never
//   waits for a missing one.
// - Faults. A storage that cannot serve now (full, read-only, locked past its timeout, unreachable) throws
//   StorageUnavailableError; domain outcomes are values (ChangeOutcome) or DomainErrors.
//
// A store keeps no state of one transaction on itself (engines with a pool run several at once): what a
// transaction collects lives in a context made for it.
import type { DomainError } from './errors.js';
import type {
  AttemptRecord,
  Message,
  MessageEvent,
  MessageFilter,
  NewMessage,
  Page,
  ProcessInfo,
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
  /** Claim the new message for this worker in the same transaction (the synchronous path, service.run). */
  claimFor?: { workerId: string; leaseMs: number };
}

export interface Held {
  id: string;
  /** The fencing token: the message's `attempts` when it was claimed. */
  attempts: number;
}

export interface QueueStore {
  /**
   * Stores a new message (PENDING, version 1) and its `enqueued` event, unless the owner's idempotency key is
   * known (then the first message, `created: false`, even when the queue is full); QueueFullError when `maxSize`
   * messages are PENDING or PROCESSING. One transaction, with the claim of `claimFor` when given.
   */
  enqueue(
    message: NewMessage,
    options: EnqueueOptions,
    now: Date,
  ): Promise<{ message: Message; created: boolean }>;
  /**
   * Takes up to `limit` due PENDING messages, highest effective priority then oldest (`seq`) first, and leases
   * them to the worker: each at version + 1, `attempts` + 1, with a `claimed` event. One transaction; returned in
   * take order.
   */
  claim(options: ClaimOptions): Promise<Message[]>;
  /** Enqueues several messages in one transaction: all are accepted, or none (QUEUE_FULL, bad input); in order. */
  enqueueMany(
    messages: NewMessage[],
    options: Omit<EnqueueOptions, 'claimFor'>,
    now: Date,
  ): Promise<{ message: Message; created: boolean }[]>;
  /**
   * Applies the transitions in order, all in one transaction: each that applies writes its message and appends its
   * event; one per request, in order, comes back as its outcome (a transition that returns null: skipped).
   */
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
   * Listens to the events this store instance appends: called once per committed write transaction that appended
   * any, with its events in position order and their positions set, after the commit and before the write's
   * promise resolves; never for a rollback. The process publishes its own changes from them without reading them
   * back. Changes made through other instances are not reported (follow them with `eventsAfter`), and calls of
   * concurrent transactions may come in any order, so one call need not continue the last: a gap is read from the
   * log. The messages are shared with the write's result: treat them as read-only. Returns the unsubscribe.
   * Optional: without it, a reader follows every change through the log.
   */
  onAppended?(listener: (events: MessageEvent[]) => void): () => void;
  /**
   * Extends the leases still held by this worker (PROCESSING, same attempt, same owner), in one transaction;
   * returns the ids it no longer holds. No new version and no event: a lease's expiry is not a change readers follow.
   */
  renewLeases(workerId: string, held: Held[], leaseMs: number, now: Date): Promise<string[]>;
  /** PROCESSING messages whose lease ran out before `now`. */
  expiredLeases(now: Date, limit: number): Promise<Held[]>;
  get(id: string): Promise<Message | null>;
  /** The messages with these ids, in no particular order; unknown ids are left out. */
  getMany(ids: string[]): Promise<Message[]>;
  /** Newest first. */
  list(filter: MessageFilter, page: Page): Promise<Message[]>;
  count(filter: MessageFilter): Promise<number>;
  /** The message's stored versions after `afterVersion`, in order. */
  history(id: string, afterVersion: number): Promise<MessageEvent[]>;
  attemptsOf(id: string): Promise<AttemptRecord[]>;
  /**
   * Up to `limit` events of all messages after position `seq`, in position order: how other processes' changes
   * are followed. Everything visible is returned, so nothing below the last one returned appears later.
   */
  eventsAfter(seq: number, limit: number): Promise<MessageEvent[]>;
  /** The highest position visible in the log (0 when empty): a reader that starts here misses nothing after it. */
  lastEventSeq(): Promise<number>;
  /**
   * An opaque token, compared only for equality, that differs from the value read before whenever a write was
   * committed since through another instance or process (or the engine may have missed one, e.g. after a
   * reconnect). It may change for no reason, costing a read of the log. Cheap enough to poll every few
   * milliseconds: it tells a reader when to call `eventsAfter`, and is never itself a position.
   */
  changeToken(): Promise<number>;
  /**
   * Calls `listener` when the change token may have just moved (another process committed and said so), so a
   * reader looks at once rather than at its next poll of `changeToken`. Optional: without it, readers poll.
   * Returns the unsubscribe.
   */
  onWake?(listener: () => void): () => void;
  stats(now: Date, maxSize: number): Promise<QueueStats>;
  /** 1 = next to be taken, counting PENDING messages due now; null unless the message is PENDING and due. */
  queuePosition(id: string, now: Date): Promise<number | null>;
  /** The earliest `nextAttemptAt` of a PENDING message that is not yet due. */
  nextDueAt(now: Date): Promise<Date | null>;
  /**
   * Raises the taking priority of messages PENDING for `agingMs` or longer by one level per `agingMs`; returns how
   * many rose. No new version and no event: the effective priority is derived state, recomputable from the message.
   */
  agePriorities(now: Date, agingMs: number): Promise<number>;
  /**
   * Removes COMPLETED (with no review pending) and CANCELLED messages that ended before `before`, with their events
   * and attempts; returns how many. In short transactions of its own (never one long one), appending no events.
   */
  purge(before: Date): Promise<number>;
  /**
   * A process's heartbeat: stores its row (expiring at `expiresAt`), removes the rows of processes whose lease
   * ended before `now`, and reads whether the fleet's workers are paused. One transaction; no event.
   */
  beat(process: ProcessInfo, now: Date): Promise<{ paused: boolean }>;
  /** The processes whose lease has not ended at `now`, oldest start first. */
  processes(now: Date): Promise<ProcessInfo[]>;
  /** Removes a process's row (a clean stop). */
  leave(processId: string): Promise<void>;
  /**
   * Pauses or resumes every worker of the fleet. While paused, `claim` and `changeAndClaim` take nothing (checked
   * inside their statement, so no claim that starts after this commits takes a message); `enqueue`'s `claimFor`
   * (a synchronous run) still claims. Kept until changed, across restarts. No event.
   */
  setPaused(paused: boolean, now: Date): Promise<void>;
  /** Throws StorageUnavailableError unless the store can take writes now. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
