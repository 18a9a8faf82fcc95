// Converts between stored rows of `messages` and the queue's Message; event snapshots store the row itself.
import {
  type Json,
  type Message,
  PRIORITIES,
  type Priority,
  type Simulation,
  type Status,
} from '../queue/types.js';

/** A `messages` row as SQLite returns it (column names, integers for times and booleans, JSON as text). */
export interface MessageRow {
  seq: number;
  id: string;
  status: string;
  priority: number;
  effective_priority: number;
  created_at: number;
  queued_at: number;
  started_at: number | null;
  completed_at: number | null;
  error_message: string | null;
  retry_count: number;
  max_retries: number;
  timeout_seconds: number;
  next_attempt_at: number | null;
  dead_lettered: number;
  version: number;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  payload: string;
  use_agentic: number;
  simulate: string | null;
  result: string | null;
  progress: string | null;
  review_state: string;
  review_reasons: string;
  reviewer: string | null;
  review_notes: string | null;
  review_decided_at: number | null;
  owner: string;
  idempotency_key: string | null;
}

const BY_RANK = Object.fromEntries(Object.entries(PRIORITIES).map(([name, rank]) => [rank, name])) as Record<
  number,
  Priority
>;

export function priorityName(rank: number): Priority {
  return BY_RANK[rank] ?? 'NORMAL';
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export function rowToMessage(r: MessageRow): Message {
  return {
    id: r.id,
    seq: r.seq,
    status: r.status as Status,
    priority: priorityName(r.priority),
    effectivePriority: priorityName(r.effective_priority),
    createdAt: new Date(r.created_at),
    queuedAt: new Date(r.queued_at),
    startedAt: date(r.started_at),
    completedAt: date(r.completed_at),
    errorMessage: r.error_message,
    retryCount: r.retry_count,
    maxRetries: r.max_retries,
    timeoutSeconds: r.timeout_seconds,
    nextAttemptAt: date(r.next_attempt_at),
    deadLettered: r.dead_lettered === 1,
    version: r.version,
    attempts: r.attempts,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: date(r.lease_expires_at),
    payload: JSON.parse(r.payload) as Json,
    useAgentic: r.use_agentic === 1,
    simulate: json<Simulation>(r.simulate),
    result: json<Json>(r.result),
    progress: json<Json>(r.progress),
    review: {
      state: r.review_state as Message['review']['state'],
      reasons: JSON.parse(r.review_reasons) as string[],
      reviewer: r.reviewer,
      notes: r.review_notes,
      decidedAt: date(r.review_decided_at),
    },
    owner: r.owner,
    idempotencyKey: r.idempotency_key,
  };
}

export function messageToRow(m: Message): MessageRow {
  return {
    seq: m.seq,
    id: m.id,
    status: m.status,
    priority: PRIORITIES[m.priority],
    effective_priority: PRIORITIES[m.effectivePriority],
    created_at: m.createdAt.getTime(),
    queued_at: m.queuedAt.getTime(),
    started_at: ms(m.startedAt),
    completed_at: ms(m.completedAt),
    error_message: m.errorMessage,
    retry_count: m.retryCount,
    max_retries: m.maxRetries,
    timeout_seconds: m.timeoutSeconds,
    next_attempt_at: ms(m.nextAttemptAt),
    dead_lettered: m.deadLettered ? 1 : 0,
    version: m.version,
    attempts: m.attempts,
    lease_owner: m.leaseOwner,
    lease_expires_at: ms(m.leaseExpiresAt),
    payload: JSON.stringify(m.payload),
    use_agentic: m.useAgentic ? 1 : 0,
    simulate: m.simulate === null ? null : JSON.stringify(m.simulate),
    result: m.result === null ? null : JSON.stringify(m.result),
    progress: m.progress === null ? null : JSON.stringify(m.progress),
    review_state: m.review.state,
    review_reasons: JSON.stringify(m.review.reasons),
    reviewer: m.review.reviewer,
    review_notes: m.review.notes,
    review_decided_at: ms(m.review.decidedAt),
    owner: m.owner,
    idempotency_key: m.idempotencyKey,
  };
}
