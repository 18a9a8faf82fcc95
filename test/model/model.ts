// The reference model of the queue: what the store should hold after each operation, in plain in-memory
// terms (a map of messages and a list of ended attempts), written from the contract, not from the SQL.
import type { ErrorCode } from '../../src/queue/errors.js';
import type { AttemptRecord, Priority, QueueStats, ReviewState, Status } from '../../src/queue/types.js';
import { PRIORITIES } from '../../src/queue/types.js';
import { modelStats, nextDueAt, takeOrder } from './figures.js';
import { AGING_MS, LEASE_MS, type SubmitItem } from './ops.js';

/** The fields of a message the model predicts (times in ms); `view()` in invariants.ts reads the same from the store. */
export interface ModelMessage {
  id: string;
  owner: string;
  idempotencyKey: string | null;
  payload: { step: number };
  status: Status;
  priority: Priority;
  effectivePriority: Priority;
  /** Its owner's turn at its priority (src/db/fairness.ts): the take order after effective priority. */
  round: number;
  version: number;
  attempts: number;
  retryCount: number;
  maxRetries: number;
  deadLettered: boolean;
  createdAt: number;
  queuedAt: number;
  startedAt: number | null;
  completedAt: number | null;
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  errorMessage: string | null;
  reviewState: ReviewState;
}

export interface ModelAttempt {
  messageId: string;
  attempt: number;
  workerId: string | null;
  startedAt: number;
  endedAt: number;
  outcome: AttemptRecord['outcome'];
}

/** A claim as its worker remembers it: the fencing token and who took it. */
export interface Fence {
  id: string;
  attempts: number;
  worker: string;
}

/** What a change should come to: stored, fenced out (skipped), or refused with a code. */
export type Verdict = 'ok' | 'skipped' | ErrorCode;

export class ModelError extends Error {
  constructor(readonly code: ErrorCode) {
    super(code);
  }
}

interface State {
  now: number;
  /** Creation order is take order's tie-break, so the map's insertion order stands for `seq`. */
  messages: Map<string, ModelMessage>;
  /** Event kinds of each message, in version order. */
  kinds: Map<string, string[]>;
  attempts: ModelAttempt[];
  /** Every attempt ever ended, purged messages' too: the recent figures count when attempts ended, not what is kept. */
  ended: ModelAttempt[];
  /** Every id ever created, purged ones included (operations may name them). */
  ids: string[];
  /** Every claim ever taken, newest last. */
  fences: Fence[];
  /** What each worker believes it is running: lost on a crash. */
  running: Map<string, Fence[]>;
}

const RANK = PRIORITIES;
const BY_RANK = Object.fromEntries(Object.entries(PRIORITIES).map(([n, r]) => [r, n])) as Record<
  number,
  Priority
>;

export class QueueModel {
  private s: State;

  constructor(
    readonly maxSize: number,
    start: number,
  ) {
    this.s = {
      now: start,
      messages: new Map(),
      kinds: new Map(),
      attempts: [],
      ended: [],
      ids: [],
      fences: [],
      running: new Map(),
    };
  }

  get now(): number {
    return this.s.now;
  }
  set now(ms: number) {
    this.s.now = ms;
  }
  get messages(): ReadonlyMap<string, ModelMessage> {
    return this.s.messages;
  }
  get ids(): readonly string[] {
    return this.s.ids;
  }
  kindsOf(id: string): string[] {
    return this.s.kinds.get(id) ?? [];
  }
  attemptsOf(id: string): ModelAttempt[] {
    return this.s.attempts.filter((a) => a.messageId === id).sort((a, b) => a.attempt - b.attempt);
  }
  /** The n-th newest claim ever taken (wrapping), or undefined when none was. */
  fence(pick: number): Fence | undefined {
    const f = this.s.fences;
    return f.length === 0 ? undefined : f[f.length - 1 - (pick % f.length)];
  }
  /** The n-th message that `fits` (wrapping); when none does or no test is given, the n-th id ever created. */
  id(pick: number, fits?: (m: ModelMessage) => boolean): string {
    const fitting = fits ? [...this.s.messages.values()].filter(fits).map((m) => m.id) : [];
    const ids = fitting.length > 0 ? fitting : this.s.ids;
    return ids.length === 0 ? 'never-created' : ids[pick % ids.length]!;
  }
  running(worker: string): Fence[] {
    return this.s.running.get(worker) ?? [];
  }

  /** Runs `work` on the model as one transaction: a throw leaves the model as it was. */
  atomically<T>(work: () => T): T {
    const saved = structuredClone(this.s);
    try {
      return work();
    } catch (error) {
      this.s = saved;
      throw error;
    }
  }

  get fenceCount(): number {
    return this.s.fences.length;
  }

  /** A submission offering `id` for the new message; the store keeps it only if one is created. */
  enqueue(
    item: SubmitItem,
    id: string,
    step: number,
    syncWorker: string | null,
  ): { id: string; created: boolean } {
    const owner = `owner-${item.owner}`;
    const key = item.key === null ? null : `key-${item.key}`;
    if (key !== null) {
      const first = [...this.s.messages.values()].find((m) => m.owner === owner && m.idempotencyKey === key);
      if (first) return { id: first.id, created: false };
    }
    if (this.count('PENDING') + this.count('PROCESSING') >= this.maxSize) throw new ModelError('QUEUE_FULL');
    this.s.ids.push(id);
    const now = this.s.now;
    // Fairness: the owner's messages take consecutive rounds; an owner with none due joins at the head's round.
    const due = takeOrder(this.s.messages.values(), now);
    const mine = due.filter((m) => m.owner === owner && m.priority === item.priority).map((m) => m.round);
    const head = due.filter((m) => m.effectivePriority === item.priority).map((m) => m.round);
    const round = Math.max(mine.length ? Math.max(...mine) + 1 : 0, head.length ? Math.min(...head) : 0);
    this.s.messages.set(id, {
      id,
      owner,
      idempotencyKey: key,
      payload: { step },
      status: 'PENDING',
      priority: item.priority,
      effectivePriority: item.priority,
      round,
      version: 1,
      attempts: 0,
      retryCount: 0,
      maxRetries: item.maxRetries,
      deadLettered: false,
      createdAt: now,
      queuedAt: now,
      startedAt: null,
      completedAt: null,
      nextAttemptAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      errorMessage: null,
      reviewState: 'NOT_REQUIRED',
    });
    this.s.kinds.set(id, ['enqueued']);
    if (syncWorker !== null) this.take(this.get(id), syncWorker);
    return { id, created: true };
  }

  /** The take order: due PENDING messages by effective priority, then creation order. */
  takeOrder(): ModelMessage[] {
    return takeOrder(this.s.messages.values(), this.s.now);
  }

  claim(worker: string, limit: number): string[] {
    const taken = this.takeOrder().slice(0, limit);
    for (const m of taken) this.take(m, worker);
    return taken.map((m) => m.id);
  }

  complete(f: Fence, review: boolean): Verdict {
    this.forget(f);
    if (!this.s.messages.has(f.id)) return 'NOT_FOUND';
    const m = this.holding(f);
    if (!m) return 'skipped';
    this.endAttempt(m, 'COMPLETED');
    Object.assign(m, unleased, {
      status: 'COMPLETED',
      completedAt: this.s.now,
      errorMessage: null,
      nextAttemptAt: null,
      reviewState: review ? 'PENDING' : 'NOT_REQUIRED',
    });
    return this.bump(m, review ? 'completed-review-pending' : 'completed');
  }

  /** A failed attempt; `expiredBefore` is the reaper's guard (the lease must still be expired). */
  fail(
    f: Fence,
    error: string,
    delayMs: number,
    outcome: ModelAttempt['outcome'],
    expiredBefore?: number,
  ): Verdict {
    this.forget(f);
    if (!this.s.messages.has(f.id)) return 'NOT_FOUND';
    const m = this.holding(f);
    if (!m) return 'skipped';
    if (expiredBefore !== undefined && (m.leaseExpiresAt === null || m.leaseExpiresAt >= expiredBefore))
      return 'skipped';
    this.endAttempt(m, outcome);
    const now = this.s.now;
    if (m.retryCount < m.maxRetries) {
      Object.assign(m, unleased, {
        status: 'PENDING',
        retryCount: m.retryCount + 1,
        errorMessage: error,
        nextAttemptAt: now + delayMs,
        queuedAt: now + delayMs,
        effectivePriority: m.priority,
      });
      return this.bump(m, 'retry-scheduled');
    }
    Object.assign(m, unleased, {
      status: 'FAILED',
      deadLettered: true,
      errorMessage: error,
      completedAt: now,
      nextAttemptAt: null,
    });
    return this.bump(m, 'dead-lettered');
  }

  progress(f: Fence): Verdict {
    if (!this.s.messages.has(f.id)) return 'NOT_FOUND';
    const m = this.holding(f);
    return m ? this.bump(m, 'progress') : 'skipped';
  }

  release(f: Fence): Verdict {
    this.forget(f);
    if (!this.s.messages.has(f.id)) return 'NOT_FOUND';
    const m = this.holding(f);
    if (!m) return 'skipped';
    this.endAttempt(m, 'RELEASED');
    Object.assign(m, unleased, { status: 'PENDING', nextAttemptAt: null, queuedAt: this.s.now });
    return this.bump(m, 'released');
  }

  /** Extends the leases the worker still holds; returns the ids it has lost. */
  renew(worker: string, held: Fence[]): string[] {
    const lost: string[] = [];
    for (const f of held) {
      const m = this.holding(f);
      if (m && m.leaseOwner === worker) m.leaseExpiresAt = this.s.now + LEASE_MS;
      else lost.push(f.id);
    }
    this.s.running.set(
      worker,
      this.running(worker).filter((f) => !lost.includes(f.id)),
    );
    return lost;
  }

  cancel(id: string): Verdict {
    const m = this.s.messages.get(id);
    if (!m) return 'NOT_FOUND';
    if (m.status !== 'PENDING' && m.status !== 'PROCESSING') return 'INVALID_STATE';
    if (m.status === 'PROCESSING') this.endAttempt(m, 'CANCELLED');
    Object.assign(m, unleased, { status: 'CANCELLED', completedAt: this.s.now, nextAttemptAt: null });
    return this.bump(m, 'cancelled');
  }

  retry(id: string): Verdict {
    const m = this.s.messages.get(id);
    if (!m) return 'NOT_FOUND';
    if (m.status !== 'FAILED') return 'INVALID_STATE';
    Object.assign(m, {
      status: 'PENDING',
      retryCount: 0,
      deadLettered: false,
      errorMessage: null,
      completedAt: null,
      nextAttemptAt: null,
      queuedAt: this.s.now,
      effectivePriority: m.priority,
    });
    return this.bump(m, 'requeued');
  }

  review(id: string, approve: boolean): Verdict {
    const m = this.s.messages.get(id);
    if (!m) return 'NOT_FOUND';
    if (m.reviewState !== 'PENDING') return 'INVALID_STATE';
    m.reviewState = approve ? 'APPROVED' : 'REJECTED';
    return this.bump(m, approve ? 'review-approved' : 'review-rejected');
  }

  /** PROCESSING messages whose lease ran out before now. */
  expired(): Fence[] {
    return [...this.s.messages.values()]
      .filter((m) => m.status === 'PROCESSING' && m.leaseExpiresAt !== null && m.leaseExpiresAt < this.s.now)
      .map((m) => ({ id: m.id, attempts: m.attempts, worker: m.leaseOwner ?? '' }));
  }

  /** Raises the taking priority one level per AGING_MS waited; returns how many messages changed. */
  age(): number {
    let changed = 0;
    for (const m of this.s.messages.values()) {
      const waited = this.s.now - m.queuedAt;
      if (m.status !== 'PENDING' || waited < AGING_MS) continue;
      const raised = Math.min(4, RANK[m.priority] + Math.floor(waited / AGING_MS));
      if (raised > RANK[m.effectivePriority]) {
        m.effectivePriority = BY_RANK[raised]!;
        changed++;
      }
    }
    return changed;
  }

  /** Removes ended messages (no review pending) older than `before`, with their history; returns how many. */
  purge(before: number): number {
    const doomed = [...this.s.messages.values()].filter(
      (m) =>
        (m.status === 'COMPLETED' || m.status === 'CANCELLED') &&
        m.completedAt !== null &&
        m.completedAt < before &&
        m.reviewState !== 'PENDING',
    );
    for (const m of doomed) {
      this.s.messages.delete(m.id);
      this.s.kinds.delete(m.id);
    }
    const gone = new Set(doomed.map((m) => m.id));
    this.s.attempts = this.s.attempts.filter((a) => !gone.has(a.messageId));
    return doomed.length;
  }

  /** The process died: its workers forget what they ran; the messages stay PROCESSING until their leases expire. */
  crash(): void {
    this.s.running.clear();
  }

  position(id: string): number | null {
    const index = this.takeOrder().findIndex((m) => m.id === id);
    return index < 0 ? null : index + 1;
  }

  nextDueAt(): number | null {
    return nextDueAt(this.s.messages.values(), this.s.now);
  }

  count(status: Status): number {
    let n = 0;
    for (const m of this.s.messages.values()) if (m.status === status) n++;
    return n;
  }

  stats(): QueueStats {
    return modelStats([...this.s.messages.values()], this.s.ended, this.s.now, this.maxSize);
  }

  private get(id: string): ModelMessage {
    const m = this.s.messages.get(id);
    if (!m) throw new Error(`model: no message ${id}`);
    return m;
  }

  private take(m: ModelMessage, worker: string): void {
    const now = this.s.now;
    Object.assign(m, {
      status: 'PROCESSING',
      attempts: m.attempts + 1,
      startedAt: now,
      leaseOwner: worker,
      leaseExpiresAt: now + LEASE_MS,
      nextAttemptAt: null,
    });
    this.bump(m, 'claimed');
    const fence = { id: m.id, attempts: m.attempts, worker };
    this.s.fences.push(fence);
    this.s.running.set(worker, [...this.running(worker), fence]);
  }

  /** The message this claim still holds (PROCESSING at the same attempt), else undefined: fenced out. */
  private holding(f: Fence): ModelMessage | undefined {
    const m = this.s.messages.get(f.id);
    return m && m.status === 'PROCESSING' && m.attempts === f.attempts ? m : undefined;
  }

  /** The worker is done with this claim, whatever the store makes of its result. */
  private forget(f: Fence): void {
    this.s.running.set(
      f.worker,
      this.running(f.worker).filter((r) => !(r.id === f.id && r.attempts === f.attempts)),
    );
  }

  private endAttempt(m: ModelMessage, outcome: ModelAttempt['outcome']): void {
    const attempt: ModelAttempt = {
      messageId: m.id,
      attempt: m.attempts,
      workerId: m.leaseOwner,
      startedAt: m.startedAt ?? this.s.now,
      endedAt: this.s.now,
      outcome,
    };
    this.s.attempts.push(attempt);
    this.s.ended.push(attempt);
  }

  private bump(m: ModelMessage, kind: string): 'ok' {
    m.version++;
    this.s.kinds.get(m.id)?.push(kind);
    return 'ok';
  }
}

const unleased = { leaseOwner: null, leaseExpiresAt: null } as const;
