// The message state machine, as pure functions the store applies inside its write transaction.
//
//   PENDING ──claim──▶ PROCESSING ──complete──▶ COMPLETED (review NOT_REQUIRED, or PENDING ──review──▶ APPROVED|REJECTED)
//      ▲                  │  │
//      │   fail/timeout/  │  └─cancel──▶ CANCELLED ◀──cancel── PENDING
//      │   lost lease,    │
//      └─ retries left ───┘── none left ──▶ FAILED (dead-lettered) ──retry──▶ PENDING (retryCount 0)
//      └─ release (graceful stop: not an attempt's fault, no retry spent)
//
// Every transition out of PROCESSING is fenced by the attempt number taken at claim: a late result from an
// attempt that timed out, was cancelled or was taken over finds another attempt number (or another state)
// and returns null, so it never overwrites the message.
import { InvalidStateError } from './errors.js';
import type { Held, Transition, TransitionResult } from './store.js';
import type { AttemptRecord, Json, Message, ReviewAction } from './types.js';

export interface Outcome {
  result: Json;
  review: { required: boolean; reasons: string[] };
}

function holds(m: Message, fence: Held): boolean {
  return m.status === 'PROCESSING' && m.attempts === fence.attempts;
}

function attemptRecord(
  m: Message,
  now: Date,
  outcome: AttemptRecord['outcome'],
  error: string | null,
): AttemptRecord {
  return {
    messageId: m.id,
    attempt: m.attempts,
    workerId: m.leaseOwner,
    startedAt: m.startedAt ?? now,
    endedAt: now,
    outcome,
    error,
  };
}

const unleased = { leaseOwner: null, leaseExpiresAt: null } as const;

export function complete(fence: Held, outcome: Outcome): Transition {
  return (m, now) => {
    if (!holds(m, fence)) return null;
    return {
      kind: outcome.review.required ? 'completed-review-pending' : 'completed',
      message: {
        ...m,
        ...unleased,
        status: 'COMPLETED',
        completedAt: now,
        errorMessage: null,
        nextAttemptAt: null,
        result: outcome.result,
        // Done: nothing left to resume.
        checkpoint: null,
        review: outcome.review.required
          ? {
              state: 'PENDING',
              reasons: outcome.review.reasons,
              reviewer: null,
              notes: null,
              decidedAt: null,
            }
          : { state: 'NOT_REQUIRED', reasons: [], reviewer: null, notes: null, decidedAt: null },
      },
      attempt: attemptRecord(m, now, 'COMPLETED', null),
    };
  };
}

/**
 * A failed attempt: back to PENDING with a backoff while retries remain, else FAILED and dead-lettered.
 * `delayMs` is the wait before the retry (computed by the caller from the backoff policy).
 */
export function fail(
  fence: Held,
  error: string,
  delayMs: number,
  outcome: 'FAILED' | 'TIMED_OUT' | 'LOST' = 'FAILED',
  expiredBefore?: Date,
): Transition {
  return (m, now) => {
    if (!holds(m, fence)) return null;
    // A reaper's verdict stands only if the lease is still expired: a slow but live worker may have renewed it.
    if (expiredBefore && (m.leaseExpiresAt === null || m.leaseExpiresAt >= expiredBefore)) return null;
    const attempt = attemptRecord(m, now, outcome, error);
    if (m.retryCount < m.maxRetries) {
      const due = new Date(now.getTime() + delayMs);
      return {
        kind: 'retry-scheduled',
        message: {
          ...m,
          ...unleased,
          status: 'PENDING',
          retryCount: m.retryCount + 1,
          errorMessage: error,
          nextAttemptAt: due,
          queuedAt: due,
          effectivePriority: m.priority,
        },
        attempt,
      };
    }
    return deadLettered(m, now, error, attempt);
  };
}

/**
 * An attempt that failed for good (the processor threw PermanentFailure): FAILED and dead-lettered at once with
 * the reason, whatever retries remain, none of them spent.
 */
export function failPermanently(fence: Held, error: string): Transition {
  return (m, now) => {
    if (!holds(m, fence)) return null;
    return deadLettered(m, now, error, attemptRecord(m, now, 'FAILED', error));
  };
}

/** FAILED and dead-lettered with `error`, out of its lease. */
function deadLettered(m: Message, now: Date, error: string, attempt: AttemptRecord): TransitionResult {
  return {
    kind: 'dead-lettered',
    message: {
      ...m,
      ...unleased,
      status: 'FAILED',
      deadLettered: true,
      errorMessage: error,
      completedAt: now,
      nextAttemptAt: null,
    },
    attempt,
  };
}

/** Graceful stop: the attempt is handed back untried; no retry is spent. */
export function release(fence: Held): Transition {
  return (m, now) => {
    if (!holds(m, fence)) return null;
    return {
      kind: 'released',
      message: { ...m, ...unleased, status: 'PENDING', nextAttemptAt: null, queuedAt: now, progress: null },
      attempt: attemptRecord(m, now, 'RELEASED', 'released at shutdown'),
    };
  };
}

/** Progress of the running attempt, and with `checkpoint` what a later attempt resumes from (undefined: unchanged). */
export function progress(fence: Held, value: Json, checkpoint?: Json): Transition {
  return (m) => {
    if (!holds(m, fence)) return null;
    return {
      kind: 'progress',
      message: checkpoint === undefined ? { ...m, progress: value } : { ...m, progress: value, checkpoint },
    };
  };
}

export function cancel(): Transition {
  return (m, now) => {
    if (m.status !== 'PENDING' && m.status !== 'PROCESSING') {
      throw new InvalidStateError(
        `Only PENDING or PROCESSING messages can be cancelled; this one is ${m.status}`,
      );
    }
    return {
      kind: 'cancelled',
      message: {
        ...m,
        ...unleased,
        status: 'CANCELLED',
        completedAt: now,
        nextAttemptAt: null,
        checkpoint: null,
      },
      ...(m.status === 'PROCESSING' ? { attempt: attemptRecord(m, now, 'CANCELLED', 'cancelled') } : {}),
    };
  };
}

export function retry(): Transition {
  return (m, now) => {
    if (m.status !== 'FAILED') {
      throw new InvalidStateError(`Only FAILED messages can be retried; this one is ${m.status}`);
    }
    return {
      kind: 'requeued',
      message: {
        ...m,
        status: 'PENDING',
        retryCount: 0,
        deadLettered: false,
        errorMessage: null,
        completedAt: null,
        nextAttemptAt: null,
        queuedAt: now,
        effectivePriority: m.priority,
      },
    };
  };
}

export function review(action: ReviewAction, reviewer: string, notes: string | null): Transition {
  return (m, now) => {
    if (m.review.state !== 'PENDING') {
      throw new InvalidStateError(`This message has no review pending (review state ${m.review.state})`);
    }
    return {
      kind: action === 'APPROVE' ? 'review-approved' : 'review-rejected',
      message: {
        ...m,
        review: {
          ...m.review,
          state: action === 'APPROVE' ? 'APPROVED' : 'REJECTED',
          reviewer,
          notes,
          decidedAt: now,
        },
      },
    };
  };
}

/** Whether nothing more will happen to the message by itself (subscriptions end here). */
export function isFinal(m: Message): boolean {
  return (
    (m.status === 'COMPLETED' && m.review.state !== 'PENDING') ||
    (m.status === 'FAILED' && m.deadLettered) ||
    m.status === 'CANCELLED'
  );
}
