// The queue's vocabulary: messages, their states and the figures it reports. No storage, no GraphQL.

/** Taken highest first; the number is the stored rank. */
export const PRIORITIES = { URGENT: 4, HIGH: 3, NORMAL: 2, LOW: 1 } as const;
export type Priority = keyof typeof PRIORITIES;
export type PriorityRank = (typeof PRIORITIES)[Priority];

export const STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type Status = (typeof STATUSES)[number];

export type ReviewState = 'NOT_REQUIRED' | 'PENDING' | 'APPROVED' | 'REJECTED';
export type ReviewAction = 'APPROVE' | 'REJECT';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Review {
  state: ReviewState;
  reasons: string[];
  reviewer: string | null;
  notes: string | null;
  decidedAt: Date | null;
}

export interface Message {
  id: string;
  /** Strictly increasing creation order: the FIFO tie-break within a priority. */
  seq: number;
  status: Status;
  priority: Priority;
  /** Priority used for taking, raised by aging; equals `priority` unless aging is on. */
  effectivePriority: Priority;
  createdAt: Date;
  /** When it last became PENDING (or became due): what priority aging measures. */
  queuedAt: Date;
  /** When the current or last attempt started. */
  startedAt: Date | null;
  /** When it ended: COMPLETED, FAILED or CANCELLED. */
  completedAt: Date | null;
  errorMessage: string | null;
  retryCount: number;
  maxRetries: number;
  timeoutSeconds: number;
  nextAttemptAt: Date | null;
  /** When a scheduled submission becomes due; null when submitted for now. Kept for the message's life. */
  runAt: Date | null;
  /**
   * Its owner's turn at its priority (fairness): taken by effective priority, then round, then seq, so the owners
   * with messages waiting take turns. Set by the store when it enqueues the message; derived state, like
   * effectivePriority, and not shown to callers.
   */
  round: number;
  deadLettered: boolean;
  /** 1 when created; +1 with every stored change. */
  version: number;
  /** Attempts started over the message's whole life (never reset): the fencing token of a claim. */
  attempts: number;
  /** Worker holding the current attempt, and until when its lease runs. */
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  payload: Json;
  /**
   * How the processor is to handle this message (set by whoever submits it, opaque to the queue); null when the
   * submission asked for nothing but the defaults.
   */
  options: Json | null;
  result: Json | null;
  /** Progress the processor reported during the current attempt (e.g. workflow steps). */
  progress: Json | null;
  /**
   * What the processor saved with its progress for a later attempt to resume from (opaque to the queue): kept
   * across retries, releases and a manual retry, handed to the next attempt, cleared when the message completes or
   * is cancelled. Not shown to callers, and not kept in the event log.
   */
  checkpoint: Json | null;
  review: Review;
  /** Who submitted it (the caller's identity); scopes idempotency keys and submitter access. */
  owner: string;
  idempotencyKey: string | null;
}

/** A stored change: the message as it stood at `version`. */
export interface MessageEvent {
  /** Global, strictly increasing position in the event log. */
  seq: number;
  messageId: string;
  version: number;
  at: Date;
  /** What happened, e.g. `enqueued`, `claimed`, `completed`, `retry-scheduled`, `dead-lettered`. */
  kind: string;
  message: Message;
}

/** One finished (or abandoned) processing attempt, for history and figures. */
export interface AttemptRecord {
  messageId: string;
  attempt: number;
  workerId: string | null;
  startedAt: Date;
  endedAt: Date;
  outcome: 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED' | 'LOST' | 'RELEASED';
  error: string | null;
}

export interface NewMessage {
  id: string;
  priority: Priority;
  payload: Json;
  /** Message.options. */
  options: Json | null;
  maxRetries: number;
  timeoutSeconds: number;
  owner: string;
  idempotencyKey: string | null;
  createdAt: Date;
  /** Not taken before this moment; omitted or null: due now. */
  runAt?: Date | null;
}

export interface QueueStats {
  pendingCount: number;
  processingCount: number;
  completedCount: number;
  failedCount: number;
  cancelledCount: number;
  deadLetterCount: number;
  maxSize: number;
  oldestPending: Date | null;
  /** Seconds the longest-running PROCESSING message has run; null when none. */
  longestProcessing: number | null;
  /** PENDING messages by priority. */
  pendingByPriority: Record<Priority, number>;
  /** Mean duration in ms of attempts that completed in the last 5 minutes; null when none. */
  meanProcessingMs: number | null;
  /** Share of attempts ended in the last 5 minutes that failed (0..1); null when none. */
  recentErrorRate: number | null;
  /** Attempts ended in the last 5 minutes. */
  recentAttempts: number;
  /** PENDING messages waiting for a retry that is not yet due. */
  scheduledRetries: number;
  /** PENDING messages submitted with a `runAt` still ahead (never yet taken). */
  scheduledCount: number;
  /** The earliest `runAt` among them; null when none. */
  nextScheduledAt: Date | null;
  /** Results held for a human's review. */
  reviewPendingCount: number;
}

export interface MessageFilter {
  statuses?: Status[];
  priorities?: Priority[];
  /** Only messages of this owner (submitter scoping). */
  owner?: string;
  deadLettered?: boolean;
  reviewState?: ReviewState;
  /** Only messages whose errorMessage holds this text, ignoring case. */
  errorContains?: string;
  /** Only messages that ended (completedAt) at or after this moment. */
  endedFrom?: Date;
  /** Only messages that ended before this moment. */
  endedBefore?: Date;
}

export interface Page {
  /** Return messages with seq below this (newest first paging); omitted: from the newest. */
  beforeSeq?: number;
  limit: number;
}

/** A process working on the queue's database, as its last heartbeat described it. */
export interface ProcessInfo {
  /** Unique per process start: host, pid and a random part. */
  id: string;
  host: string;
  pid: number;
  /** Whether it serves the API. */
  api: boolean;
  /** Messages its worker runs at once; 0 when it takes no queued work. */
  concurrency: number;
  /** Attempts running in it at its last heartbeat. */
  running: number;
  startedAt: Date;
  lastHeartbeat: Date;
  /** When it leaves the list unless it beats again. */
  expiresAt: Date;
}
