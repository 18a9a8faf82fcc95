// The PostgreSQL tables: the same messages, event log (the transactional outbox) and figures as SQLite's schema.ts.
//
// Times are int8 milliseconds since the epoch and flags are integers, as on SQLite, so both engines share one row
// shape (src/db/rows.ts) and one snapshot format; JSON columns hold JSON text (the store never queries inside it).
import { getTableColumns, sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { checkColumns } from '../rows.js';

const ms = (name: string) => bigint(name, { mode: 'number' });

export const messages = pgTable(
  'messages',
  {
    // Creation order: the FIFO tie-break within a priority.
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull(),
    status: text('status').notNull(),
    priority: integer('priority').notNull(),
    effectivePriority: integer('effective_priority').notNull(),
    createdAt: ms('created_at').notNull(),
    // When the message last became PENDING: what priority aging measures.
    queuedAt: ms('queued_at').notNull(),
    startedAt: ms('started_at'),
    completedAt: ms('completed_at'),
    errorMessage: text('error_message'),
    retryCount: integer('retry_count').notNull().default(0),
    maxRetries: integer('max_retries').notNull(),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    nextAttemptAt: ms('next_attempt_at'),
    deadLettered: integer('dead_lettered').notNull().default(0),
    version: integer('version').notNull(),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    // In no index, so a heartbeat that moves it is a HOT update: no index of the row is rewritten.
    leaseExpiresAt: ms('lease_expires_at'),
    payload: text('payload').notNull(),
    result: text('result'),
    progress: text('progress'),
    reviewState: text('review_state').notNull().default('NOT_REQUIRED'),
    reviewReasons: text('review_reasons').notNull().default('[]'),
    reviewer: text('reviewer'),
    reviewNotes: text('review_notes'),
    reviewDecidedAt: ms('review_decided_at'),
    owner: text('owner').notNull(),
    idempotencyKey: text('idempotency_key'),
    runAt: ms('run_at'),
    // Set while PENDING and not yet due (rows.ts): such a message stays out of messages_claim_idx until a claim
    // finds it through messages_due_idx, due, and clears it.
    dueAt: ms('due_at'),
    // The owner's turn at its priority (Message.round): the claim's order after effective priority.
    fairRound: ms('fair_round').notNull().default(0),
    // What the processor saved for a later attempt to resume from (Message.checkpoint), as JSON text.
    checkpoint: text('checkpoint'),
    // How the processor is to handle the message (Message.options), as JSON text; null for the defaults.
    options: text('options'),
  },
  (t) => [
    uniqueIndex('messages_id_idx').on(t.id),
    // The claim walks this index from its head (highest effective priority, then the earliest round: callers take
    // turns, then oldest seq) with SKIP LOCKED.
    // Partial on due PENDING messages, so finished and running ones, and retries and scheduled submissions waiting
    // for their time, never lengthen the walk.
    index('messages_claim_idx')
      .on(sql`${t.effectivePriority} DESC`, t.fairRound, t.seq)
      .where(sql`status = 'PENDING' AND due_at IS NULL`),
    // Each owner's last round at a priority among its due messages, for the next one it enqueues there (fairness.ts).
    index('messages_owner_round_idx')
      .on(t.owner, t.priority, t.fairRound)
      .where(sql`status = 'PENDING' AND due_at IS NULL`),
    // Messages waiting for their time, soonest first: the claim moves the due ones into messages_claim_idx.
    index('messages_due_idx').on(t.dueAt).where(sql`due_at IS NOT NULL`),
    // Running messages, for the lease reaper: keyed by seq, which never changes, rather than by the lease's end,
    // which every heartbeat moves (see leaseExpiresAt). The running set is bounded by the fleet's concurrency.
    index('messages_processing_idx').on(t.seq).where(sql`status = 'PROCESSING'`),
    // Idempotency keys are scoped to their owner; unique, so two writers can never both create one.
    uniqueIndex('messages_idempotency_idx')
      .on(t.owner, t.idempotencyKey)
      .where(sql`idempotency_key IS NOT NULL`),
    // Finished messages by status, newest first, and retention's walk.
    index('messages_finished_idx')
      .on(t.status, t.seq)
      .where(sql`status IN ('COMPLETED', 'FAILED', 'CANCELLED')`),
    index('messages_owner_idx').on(t.owner, t.seq),
    // The review queue: only results waiting for a human.
    index('messages_review_idx').on(t.seq).where(sql`review_state = 'PENDING'`),
  ],
);

// The row shape of src/db/rows.ts, which both engines share.
checkColumns(Object.values(getTableColumns(messages)).map((c) => c.name));

/**
 * Every stored change of a message, with the message as it stood at that version (for replay). `seq` is the log
 * position: taken from its sequence only while the store holds the log's advisory lock, which it keeps until
 * commit, so positions become visible in increasing order (see postgres/events.ts).
 */
export const messageEvents = pgTable(
  'message_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    messageId: text('message_id').notNull(),
    messageSeq: bigint('message_seq', { mode: 'number' }).notNull(),
    version: integer('version').notNull(),
    at: ms('at').notNull(),
    kind: text('kind').notNull(),
    // The message at this version: a JSON array without the payload (src/db/rows.ts, format 3; 2 before options).
    snapshot: text('snapshot').notNull(),
    // The payload as JSON text when this change set or changed it; null when unchanged from the version before.
    payload: text('payload'),
    // The attempt this change ended, if it ended one: its number, worker, start, outcome and error.
    attempt: integer('attempt'),
    attemptWorker: text('attempt_worker'),
    attemptStartedAt: ms('attempt_started_at'),
    attemptOutcome: text('attempt_outcome'),
    attemptError: text('attempt_error'),
  },
  (t) => [uniqueIndex('message_events_message_seq_version_idx').on(t.messageSeq, t.version)],
);

/** Attempts ended per 10-second step of their end, kept in the same transaction as the events that end them. */
export const attemptBuckets = pgTable('attempt_buckets', {
  bucket: bigint('bucket', { mode: 'number' }).primaryKey(),
  n: integer('n').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  completed: integer('completed').notNull().default(0),
  completedMs: bigint('completed_ms', { mode: 'number' }).notNull().default(0),
});

/**
 * Messages per status, moved in the same transaction as each change (under the log's lock, so writers never wait
 * on these rows in different orders): the capacity check and the stats cost O(1).
 */
export const statusCounts = pgTable('status_counts', {
  status: text('status').primaryKey(),
  n: bigint('n', { mode: 'number' }).notNull().default(0),
});

/**
 * The processes working on this database (API, worker or both), each upserting its row on every heartbeat; a row
 * whose lease ended is a process that vanished, and the next heartbeat of any process removes it.
 */
export const processes = pgTable('processes', {
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  api: integer('api').notNull(),
  concurrency: integer('concurrency').notNull(),
  running: integer('running').notNull(),
  startedAt: ms('started_at').notNull(),
  heartbeatAt: ms('heartbeat_at').notNull(),
  expiresAt: ms('expires_at').notNull(),
});

/** State every process of the fleet shares: one row (id 1) once anyone paused; absent means running. */
export const fleetState = pgTable('fleet_state', {
  id: integer('id').primaryKey(),
  paused: integer('paused').notNull().default(0),
  changedAt: ms('changed_at').notNull(),
});

/** Webhook endpoints, as on SQLite (sqlite/tables.ts says what `cursor` is). */
export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').notNull(),
  description: text('description'),
  // Kept to sign with; read only by the dispatcher, never returned by the API after creation.
  secret: text('secret').notNull(),
  createdAt: ms('created_at').notNull(),
  cursor: bigint('cursor', { mode: 'number' }).notNull(),
});

/** One call to make to one endpoint for one event, as on SQLite (sqlite/tables.ts). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull(),
    webhookId: text('webhook_id').notNull(),
    messageId: text('message_id').notNull(),
    messageVersion: integer('message_version').notNull(),
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    lastStatusCode: integer('last_status_code'),
    nextAttemptAt: ms('next_attempt_at'),
    retryUntil: ms('retry_until').notNull(),
    leaseOwner: text('lease_owner'),
    createdAt: ms('created_at').notNull(),
    deliveredAt: ms('delivered_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_id_idx').on(t.id),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
    index('webhook_deliveries_order_idx').on(t.webhookId, t.messageId, t.seq).where(sql`status = 'PENDING'`),
  ],
);

/** The W3C traceparent a message was submitted under, as on SQLite (sqlite/tables.ts). */
export const messageTraces = pgTable('message_traces', {
  messageId: text('message_id').primaryKey(),
  traceparent: text('traceparent').notNull(),
  createdAt: ms('created_at').notNull(),
});
