// The SQLite tables (drizzle sqliteTable): messages, their event log (the transactional outbox), attempt figures and
// status counts. drizzle-kit generates drizzle/sqlite/ from this file (`npm run db:generate`).
import { getTableColumns, sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { checkColumns } from '../rows.js';

/**
 * messages_finished_idx's WHERE term, written the same way by every query that must use the index: SQLite picks a
 * partial index only for a query that holds its term as written, with literals.
 */
export const FINISHED_INDEX_TERM = "status IN ('COMPLETED', 'FAILED', 'CANCELLED')";

/** messages_claim_idx's WHERE term, written the same way by every query that must use the index. */
export const CLAIM_INDEX_TERM = "status = 'PENDING' AND due_at IS NULL";

/** Times are integer milliseconds since the epoch (UTC); JSON columns hold JSON text. */
export const messages = sqliteTable(
  'messages',
  {
    // AUTOINCREMENT keeps seq strictly increasing even after the newest row is deleted: the FIFO tie-break.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    status: text('status').notNull(),
    priority: integer('priority').notNull(),
    effectivePriority: integer('effective_priority').notNull(),
    createdAt: integer('created_at').notNull(),
    // When the message last became PENDING: what priority aging measures.
    queuedAt: integer('queued_at').notNull(),
    startedAt: integer('started_at'),
    completedAt: integer('completed_at'),
    errorMessage: text('error_message'),
    retryCount: integer('retry_count').notNull().default(0),
    maxRetries: integer('max_retries').notNull(),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    nextAttemptAt: integer('next_attempt_at'),
    deadLettered: integer('dead_lettered').notNull().default(0),
    version: integer('version').notNull(),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: integer('lease_expires_at'),
    payload: text('payload').notNull(),
    result: text('result'),
    progress: text('progress'),
    reviewState: text('review_state').notNull().default('NOT_REQUIRED'),
    reviewReasons: text('review_reasons').notNull().default('[]'),
    reviewer: text('reviewer'),
    reviewNotes: text('review_notes'),
    reviewDecidedAt: integer('review_decided_at'),
    owner: text('owner').notNull(),
    idempotencyKey: text('idempotency_key'),
    runAt: integer('run_at'),
    // Set while PENDING and not yet due (rows.ts): such a message stays out of messages_claim_idx until a claim
    // finds it through messages_due_idx, due, and clears it.
    dueAt: integer('due_at'),
    // The owner's turn at its priority (Message.round): the claim's order after effective priority.
    fairRound: integer('fair_round').notNull().default(0),
    // What the processor saved for a later attempt to resume from (Message.checkpoint), as JSON text.
    checkpoint: text('checkpoint'),
    // How the processor is to handle the message (Message.options), as JSON text; null for the defaults.
    options: text('options'),
  },
  (t) => [
    uniqueIndex('messages_id_idx').on(t.id),
    // The claim walks this index from its head: highest effective priority, then the earliest round (callers take
    // turns), then oldest seq. Partial on due
    // PENDING messages, so neither finished messages nor retries and scheduled submissions waiting for their time
    // lengthen the walk: a claim costs O(log n) whatever waits.
    index('messages_claim_idx')
      .on(sql`${t.effectivePriority} DESC`, t.fairRound, t.seq)
      .where(sql.raw(CLAIM_INDEX_TERM)),
    // Each owner's last round at a priority among its due messages, for the next one it enqueues there (fairness.ts).
    index('messages_owner_round_idx').on(t.owner, t.priority, t.fairRound).where(sql.raw(CLAIM_INDEX_TERM)),
    // Messages waiting for their time, soonest first: the claim moves the due ones into messages_claim_idx.
    index('messages_due_idx').on(t.dueAt).where(sql`due_at IS NOT NULL`),
    // Expired leases are found without scanning PENDING or finished messages.
    index('messages_lease_idx').on(t.leaseExpiresAt).where(sql`status = 'PROCESSING'`),
    // Idempotency keys are scoped to their owner.
    uniqueIndex('messages_idempotency_idx')
      .on(t.owner, t.idempotencyKey)
      .where(sql`idempotency_key IS NOT NULL`),
    // Listing finished messages by status, newest first, and retention (maintenance.ts). Partial, so only the
    // transition that finishes a message writes it; counts by status come from status_counts.
    index('messages_finished_idx').on(t.status, t.seq).where(sql.raw(FINISHED_INDEX_TERM)),
    index('messages_owner_idx').on(t.owner, t.seq),
    // The review queue: only results waiting for a human.
    index('messages_review_idx').on(t.seq).where(sql`review_state = 'PENDING'`),
  ],
);

/** Every stored change of a message, with the message as it stood at that version (for replay). */
export const messageEvents = sqliteTable(
  'message_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    messageId: text('message_id').notNull(),
    // The message's seq, which the index is keyed by (a small integer, not the 36-character id). Null only for an
    // event whose message was gone before migration 0004.
    messageSeq: integer('message_seq'),
    version: integer('version').notNull(),
    at: integer('at').notNull(),
    kind: text('kind').notNull(),
    // The message at this version: a JSON array without the payload (format 3, or 2 before migration 0011; see
    // rows.ts), or in events written before migration 0003 the row as a JSON object with it.
    snapshot: text('snapshot').notNull(),
    // The payload as JSON text when this change set or changed it; null when unchanged from the version before.
    payload: text('payload'),
    // The attempt this change ended, if any (null outcome when none): its number, worker, start, outcome and error;
    // it ended at `at`. On the event rather than in a table of its own: one insert and one index fewer per message.
    attempt: integer('attempt'),
    attemptWorker: text('attempt_worker'),
    attemptStartedAt: integer('attempt_started_at'),
    attemptOutcome: text('attempt_outcome'),
    attemptError: text('attempt_error'),
  },
  (t) => [uniqueIndex('message_events_message_seq_version_idx').on(t.messageSeq, t.version)],
);

/**
 * Attempts that ended before migration 0006, for history; since then the event of the change that ended an attempt
 * carries it (message_events.attempt_*), and this table only shrinks, by retention.
 */
export const attempts = sqliteTable(
  'attempts',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    messageId: text('message_id').notNull(),
    // The message's seq, as on message_events.
    messageSeq: integer('message_seq'),
    attempt: integer('attempt').notNull(),
    workerId: text('worker_id'),
    startedAt: integer('started_at').notNull(),
    endedAt: integer('ended_at').notNull(),
    outcome: text('outcome').notNull(),
    error: text('error'),
  },
  // Read by message only (attemptsOf, purge); the recent figures come from attempt_buckets.
  (t) => [index('attempts_message_seq_idx').on(t.messageSeq, t.attempt)],
);

/**
 * Attempts ended, per 10-second step of their end (`bucket` = ended_at / 10,000, rounded down), kept by the store
 * in the same transaction as the events that end them: the recent error rate and mean processing time are a sum
 * over the last 5 minutes' 31 rows, whatever the throughput, rather than a scan of every attempt in the window.
 */
export const attemptBuckets = sqliteTable('attempt_buckets', {
  bucket: integer('bucket').primaryKey(),
  n: integer('n').notNull().default(0),
  // FAILED, TIMED_OUT or LOST: the attempts that count as errors.
  failed: integer('failed').notNull().default(0),
  completed: integer('completed').notNull().default(0),
  // Milliseconds from start to end, summed over the COMPLETED ones.
  completedMs: integer('completed_ms').notNull().default(0),
});

/**
 * Messages per status, kept exact by the store in the same transaction as each change (write-batch.ts), so the
 * capacity check on every submission and the stats cost O(1) instead of a count over the queue.
 */
export const statusCounts = sqliteTable('status_counts', {
  status: text('status').primaryKey(),
  n: integer('n').notNull().default(0),
});

/** The columns of `messages` in the table's order: the row shape of src/db/rows.ts (checked at load). */
export const COLUMNS = Object.values(getTableColumns(messages)).map((c) => c.name);
checkColumns(COLUMNS);

/**
 * The processes working on this database (API, worker or both), each upserting its row on every heartbeat; a row
 * whose lease ended is a process that vanished, and the next heartbeat of any process removes it.
 */
export const processes = sqliteTable('processes', {
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  // 1 when the process serves the API.
  api: integer('api').notNull(),
  // Messages its worker runs at once (0: no claiming worker).
  concurrency: integer('concurrency').notNull(),
  // Attempts running in it at its last heartbeat.
  running: integer('running').notNull(),
  startedAt: integer('started_at').notNull(),
  heartbeatAt: integer('heartbeat_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/** State every process of the fleet shares: one row (id 1) once anyone paused; absent means running. */
export const fleetState = sqliteTable('fleet_state', {
  id: integer('id').primaryKey(),
  // 1 while the workers are paused (pauseWorker): no claim takes a message.
  paused: integer('paused').notNull().default(0),
  changedAt: integer('changed_at').notNull(),
});

/**
 * Webhook endpoints (src/webhooks). `cursor` is the log position up to which this endpoint's deliveries have been
 * made from message_events: moved in the same transaction that inserts them, so an event is turned into deliveries
 * once, whichever process does it, and one committed before a crash is still turned into them after it.
 */
export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  // The WebhookEvent names, a JSON array.
  events: text('events').notNull(),
  description: text('description'),
  // Kept to sign with; read only by the dispatcher, never returned by the API after creation.
  secret: text('secret').notNull(),
  createdAt: integer('created_at').notNull(),
  cursor: integer('cursor').notNull(),
});

/**
 * One call to make (and remake until a 2xx) to one endpoint for one event. `id` is the webhook-id header, the same on
 * every retry. PENDING while due or in flight (an in-flight delivery's next_attempt_at is its lease's end, so one
 * whose process died is taken again), then DELIVERED or FAILED (retries spent; redeliverable).
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    webhookId: text('webhook_id').notNull(),
    messageId: text('message_id').notNull(),
    messageVersion: integer('message_version').notNull(),
    eventSeq: integer('event_seq').notNull(),
    type: text('type').notNull(),
    // The JSON body, made once so every retry sends the same bytes.
    body: text('body').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    lastStatusCode: integer('last_status_code'),
    nextAttemptAt: integer('next_attempt_at'),
    // Retries stop after this moment (24 hours after the delivery was made or redelivered).
    retryUntil: integer('retry_until').notNull(),
    leaseOwner: text('lease_owner'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_id_idx').on(t.id),
    // The claim walks due PENDING deliveries only.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
    // Order per message and endpoint: an earlier PENDING delivery holds back the later ones.
    index('webhook_deliveries_order_idx').on(t.webhookId, t.messageId, t.seq).where(sql`status = 'PENDING'`),
  ],
);

/**
 * The W3C traceparent a message was submitted under (only with tracing on and a caller's trace to join), written
 * before the message is stored so that any process's attempt finds it (src/tracing).
 */
export const messageTraces = sqliteTable('message_traces', {
  messageId: text('message_id').primaryKey(),
  traceparent: text('traceparent').notNull(),
  createdAt: integer('created_at').notNull(),
});
