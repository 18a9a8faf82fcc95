// Converts between stored rows of `messages` and the queue's Message, and rows to and from event snapshots: one row
// shape and one snapshot format for both engines (each engine's tables.ts checks its columns against ROW_KEYS).
import { dueAt } from '../queue/due.js';
import { priorityOf } from '../queue/priority.js';
import {
  type AttemptRecord,
  type Json,
  type Message,
  type MessageEvent,
  PRIORITIES,
  type Status,
} from '../queue/types.js';
import { FORMAT_2_KEYS, legacyOptions } from './legacy-snapshots.js';

/** A `messages` row as either engine returns it (column names, integers for times and booleans, JSON as text). */
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
  result: string | null;
  progress: string | null;
  review_state: string;
  review_reasons: string;
  reviewer: string | null;
  review_notes: string | null;
  review_decided_at: number | null;
  owner: string;
  idempotency_key: string | null;
  run_at: number | null;
  fair_round: number;
  /**
   * Not part of the message: set (by messageToRow, from queue/due.ts) while a PENDING message waits for its time,
   * which keeps it out of the claim index; a claim clears it once the time has come (each engine's claim.ts).
   */
  due_at: number | null;
  /** Message.checkpoint as JSON text. Added by migration (ALTER TABLE appends). Left out of event snapshots. */
  checkpoint: string | null;
  /** Message.options as JSON text. Last: added by migration 0011 (SQLite) / 0006 (PostgreSQL). */
  options: string | null;
}

// Undefined: a column a format-1 snapshot (written before the column was added) does not hold.
const date = (ms: number | null | undefined): Date | null => (ms == null ? null : new Date(ms));
const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export function rowToMessage(r: MessageRow): Message {
  return {
    id: r.id,
    seq: r.seq,
    status: r.status as Status,
    priority: priorityOf(r.priority),
    effectivePriority: priorityOf(r.effective_priority),
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
    options: json<Json>(r.options ?? null),
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
    runAt: date(r.run_at),
    // Snapshots written before fairness hold none: the round then says nothing, 0.
    round: r.fair_round ?? 0,
    checkpoint: json<Json>(r.checkpoint ?? null),
  };
}

/**
 * The row of a message. With `before` (the message as read and its row), JSON columns whose value is the very
 * object read reuse the stored text: a transition copies what it does not change, so most are not re-encoded.
 */
export function messageToRow(m: Message, before?: { message: Message; row: MessageRow }): MessageRow {
  const was = before?.message;
  const row = before?.row;
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
    payload: row && m.payload === was!.payload ? row.payload : JSON.stringify(m.payload),
    result: row && m.result === was!.result ? row.result : jsonText(m.result),
    progress: row && m.progress === was!.progress ? row.progress : jsonText(m.progress),
    review_state: m.review.state,
    review_reasons:
      row && m.review.reasons === was!.review.reasons ? row.review_reasons : JSON.stringify(m.review.reasons),
    reviewer: m.review.reviewer,
    review_notes: m.review.notes,
    review_decided_at: ms(m.review.decidedAt),
    owner: m.owner,
    idempotency_key: m.idempotencyKey,
    run_at: ms(m.runAt),
    due_at: ms(dueAt(m)),
    fair_round: m.round,
    checkpoint: row && m.checkpoint === was!.checkpoint ? row.checkpoint : jsonText(m.checkpoint),
    options: row && m.options === was!.options ? row.options : jsonText(m.options),
  };
}

const jsonText = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/**
 * Reads `messages` rows that a statement returns as arrays (better-sqlite3's `raw` mode): cheaper than the driver
 * building named objects, and a literal built here is one fast shape for everything downstream.
 */
export function rowReader(columns: string[]): (v: unknown[]) => MessageRow {
  const i = Object.fromEntries(columns.map((name, index) => [name, index])) as Record<
    keyof MessageRow,
    number
  >;
  const missing = ROW_KEYS.filter((k) => i[k] === undefined);
  if (missing.length > 0) throw new Error(`rowReader: the statement returns no ${missing.join(', ')}`);
  return (v) => ({
    seq: v[i.seq] as MessageRow['seq'],
    id: v[i.id] as MessageRow['id'],
    status: v[i.status] as MessageRow['status'],
    priority: v[i.priority] as MessageRow['priority'],
    effective_priority: v[i.effective_priority] as MessageRow['effective_priority'],
    created_at: v[i.created_at] as MessageRow['created_at'],
    queued_at: v[i.queued_at] as MessageRow['queued_at'],
    started_at: v[i.started_at] as MessageRow['started_at'],
    completed_at: v[i.completed_at] as MessageRow['completed_at'],
    error_message: v[i.error_message] as MessageRow['error_message'],
    retry_count: v[i.retry_count] as MessageRow['retry_count'],
    max_retries: v[i.max_retries] as MessageRow['max_retries'],
    timeout_seconds: v[i.timeout_seconds] as MessageRow['timeout_seconds'],
    next_attempt_at: v[i.next_attempt_at] as MessageRow['next_attempt_at'],
    dead_lettered: v[i.dead_lettered] as MessageRow['dead_lettered'],
    version: v[i.version] as MessageRow['version'],
    attempts: v[i.attempts] as MessageRow['attempts'],
    lease_owner: v[i.lease_owner] as MessageRow['lease_owner'],
    lease_expires_at: v[i.lease_expires_at] as MessageRow['lease_expires_at'],
    payload: v[i.payload] as MessageRow['payload'],
    result: v[i.result] as MessageRow['result'],
    progress: v[i.progress] as MessageRow['progress'],
    review_state: v[i.review_state] as MessageRow['review_state'],
    review_reasons: v[i.review_reasons] as MessageRow['review_reasons'],
    reviewer: v[i.reviewer] as MessageRow['reviewer'],
    review_notes: v[i.review_notes] as MessageRow['review_notes'],
    review_decided_at: v[i.review_decided_at] as MessageRow['review_decided_at'],
    owner: v[i.owner] as MessageRow['owner'],
    idempotency_key: v[i.idempotency_key] as MessageRow['idempotency_key'],
    run_at: v[i.run_at] as MessageRow['run_at'],
    due_at: v[i.due_at] as MessageRow['due_at'],
    fair_round: v[i.fair_round] as MessageRow['fair_round'],
    checkpoint: v[i.checkpoint] as MessageRow['checkpoint'],
    options: v[i.options] as MessageRow['options'],
  });
}

const ROW_KEYS: (keyof MessageRow)[] = [
  'seq',
  'id',
  'status',
  'priority',
  'effective_priority',
  'created_at',
  'queued_at',
  'started_at',
  'completed_at',
  'error_message',
  'retry_count',
  'max_retries',
  'timeout_seconds',
  'next_attempt_at',
  'dead_lettered',
  'version',
  'attempts',
  'lease_owner',
  'lease_expires_at',
  'payload',
  'result',
  'progress',
  'review_state',
  'review_reasons',
  'reviewer',
  'review_notes',
  'review_decided_at',
  'owner',
  'idempotency_key',
  'run_at',
  'due_at',
  'fair_round',
  'checkpoint',
  'options',
];

/**
 * Event snapshots. Format 1 (before migration 0003) is the row as a JSON object, payload included. Formats 2 and 3
 * are a JSON array `[format, ...the row's values in key order]` without the key names, with the payload left out
 * (null): an event stores the payload in its own `payload` column only when the change set it (the first version)
 * or changed it, and a reader takes it from the nearest earlier version that stored it. The id is left out too
 * (null) in snapshots written since migration 0006: the event's message_id column holds it. Format 2 follows
 * FORMAT_2_KEYS (the columns before `options`); format 3, written since `options`, follows SNAPSHOT_KEYS. Every
 * snapshot still reads back as the whole message as it stood at that version, but for its checkpoint (always
 * null): that is for the message's next attempt, not its history.
 */
const SNAPSHOT_KEYS = ROW_KEYS;
const SNAPSHOT_FORMAT = 3;
// Where each format holds the payload (after its leading format number), looked up once rather than per read.
const PAYLOAD_AT = SNAPSHOT_KEYS.indexOf('payload') + 1;
const FORMAT_2_PAYLOAD_AT = FORMAT_2_KEYS.indexOf('payload') + 1;

export function snapshotText(r: MessageRow): string {
  // Spelled out in SNAPSHOT_KEYS order (checked below): a literal of named loads is several times quicker than a
  // loop of keyed ones, and this runs for every event.
  return JSON.stringify([
    SNAPSHOT_FORMAT,
    r.seq,
    null, // id: the event's message_id
    r.status,
    r.priority,
    r.effective_priority,
    r.created_at,
    r.queued_at,
    r.started_at,
    r.completed_at,
    r.error_message,
    r.retry_count,
    r.max_retries,
    r.timeout_seconds,
    r.next_attempt_at,
    r.dead_lettered,
    r.version,
    r.attempts,
    r.lease_owner,
    r.lease_expires_at,
    null, // payload
    r.result,
    r.progress,
    r.review_state,
    r.review_reasons,
    r.reviewer,
    r.review_notes,
    r.review_decided_at,
    r.owner,
    r.idempotency_key,
    r.run_at,
    r.due_at,
    r.fair_round,
    null, // checkpoint: for the next attempt only, not part of any version a caller reads
    r.options,
  ]);
}

// The literal above must follow SNAPSHOT_KEYS, which snapshotRow reads by.
{
  const probe = Object.fromEntries(SNAPSHOT_KEYS.map((k, i) => [k, i])) as unknown as MessageRow;
  const order = JSON.parse(snapshotText(probe)) as unknown[];
  if (
    order.length !== SNAPSHOT_KEYS.length + 1 ||
    SNAPSHOT_KEYS.some((k, i) => k !== 'payload' && k !== 'id' && k !== 'checkpoint' && order[i + 1] !== i)
  )
    throw new Error('snapshotText: its columns are out of SNAPSHOT_KEYS order');
}

/**
 * The row of a stored snapshot; `payload` is the version's payload (resolved by the reading statement), `id` the
 * event's message_id (snapshots written since migration 0006 leave their id out: null).
 */
export function snapshotRow(text: string, payload: string | null, id: string): MessageRow {
  const parsed = JSON.parse(text) as Record<string, unknown> | unknown[];
  if (!Array.isArray(parsed)) return fromLegacy(parsed);
  const format = parsed[0];
  const keys = format === SNAPSHOT_FORMAT ? SNAPSHOT_KEYS : format === 2 ? FORMAT_2_KEYS : null;
  if (!keys) throw new Error(`unknown snapshot format ${String(format)}`);
  const payloadAt = format === SNAPSHOT_FORMAT ? PAYLOAD_AT : FORMAT_2_PAYLOAD_AT;
  const row: Record<string, unknown> = {};
  // Snapshots written before a column was added end early: the column reads as null.
  for (let i = 0; i < keys.length; i++) row[keys[i]!] = parsed[i + 1] ?? null;
  row.payload = payload ?? parsed[payloadAt];
  row.id ??= id;
  return format === SNAPSHOT_FORMAT ? (row as unknown as MessageRow) : fromLegacy(row);
}

/** A row of a format-1 or format-2 snapshot, its earlier columns turned into `options` as migration 0011 does. */
function fromLegacy(row: Record<string, unknown>): MessageRow {
  const out: Record<string, unknown> = {};
  for (const k of ROW_KEYS) out[k] = row[k];
  out.options = legacyOptions(row);
  return out as unknown as MessageRow;
}

/** The columns an UPDATE may write, in bit order for changedColumns: every column but seq, in ROW_KEYS order. */
export const WRITABLE_KEYS: readonly (keyof MessageRow)[] = ROW_KEYS.filter((k) => k !== 'seq');

/** Throws unless `columns` (a `messages` table's, in its order) are the row's, seq first: what both engines rely on. */
export function checkColumns(columns: string[]): void {
  if (columns[0] !== 'seq' || columns.slice(1).join() !== WRITABLE_KEYS.join())
    throw new Error('the messages columns (tables.ts) differ from ROW_KEYS (src/db/rows.ts)');
}

// Masks are sums of powers of two rather than 32-bit bit sets: the row has more than 32 writable columns.
const bit = (now: unknown, was: unknown, at: number, values: unknown[]): number => {
  if (now === was) return 0;
  values.push(now);
  return 2 ** at;
};

/** Whether `mask` (from changedColumns) holds WRITABLE_KEYS[i]. */
export function hasColumn(mask: number, i: number): boolean {
  return Math.floor(mask / 2 ** i) % 2 === 1;
}

/**
 * Which WRITABLE_KEYS differ between `now` and `was` (bit i for WRITABLE_KEYS[i]), pushing the new values in that
 * order. Spelled out (checked below): a loop of keyed loads over a row is megamorphic.
 */
export function changedColumns(now: MessageRow, was: MessageRow, values: unknown[]): number {
  return (
    bit(now.id, was.id, 0, values) +
    bit(now.status, was.status, 1, values) +
    bit(now.priority, was.priority, 2, values) +
    bit(now.effective_priority, was.effective_priority, 3, values) +
    bit(now.created_at, was.created_at, 4, values) +
    bit(now.queued_at, was.queued_at, 5, values) +
    bit(now.started_at, was.started_at, 6, values) +
    bit(now.completed_at, was.completed_at, 7, values) +
    bit(now.error_message, was.error_message, 8, values) +
    bit(now.retry_count, was.retry_count, 9, values) +
    bit(now.max_retries, was.max_retries, 10, values) +
    bit(now.timeout_seconds, was.timeout_seconds, 11, values) +
    bit(now.next_attempt_at, was.next_attempt_at, 12, values) +
    bit(now.dead_lettered, was.dead_lettered, 13, values) +
    bit(now.version, was.version, 14, values) +
    bit(now.attempts, was.attempts, 15, values) +
    bit(now.lease_owner, was.lease_owner, 16, values) +
    bit(now.lease_expires_at, was.lease_expires_at, 17, values) +
    bit(now.payload, was.payload, 18, values) +
    bit(now.result, was.result, 19, values) +
    bit(now.progress, was.progress, 20, values) +
    bit(now.review_state, was.review_state, 21, values) +
    bit(now.review_reasons, was.review_reasons, 22, values) +
    bit(now.reviewer, was.reviewer, 23, values) +
    bit(now.review_notes, was.review_notes, 24, values) +
    bit(now.review_decided_at, was.review_decided_at, 25, values) +
    bit(now.owner, was.owner, 26, values) +
    bit(now.idempotency_key, was.idempotency_key, 27, values) +
    bit(now.run_at, was.run_at, 28, values) +
    bit(now.due_at, was.due_at, 29, values) +
    bit(now.fair_round, was.fair_round, 30, values) +
    bit(now.checkpoint, was.checkpoint, 31, values) +
    bit(now.options, was.options, 32, values)
  );
}

// changedColumns must cover every writable column at its bit, pushing values in bit order.
{
  const base = Object.fromEntries(ROW_KEYS.map((k) => [k, 0])) as unknown as MessageRow;
  WRITABLE_KEYS.forEach((k, i) => {
    const values: unknown[] = [];
    const mask = changedColumns({ ...base, [k]: 1 }, base, values);
    if (mask !== 2 ** i || values.length !== 1 || values[0] !== 1)
      throw new Error(`changedColumns: column ${k} is not at bit ${i}`);
  });
  const values: unknown[] = [];
  const all = Object.fromEntries(ROW_KEYS.map((k, i) => [k, i + 1])) as unknown as MessageRow;
  changedColumns(all, base, values);
  if (values.some((v, i) => v !== ROW_KEYS.indexOf(WRITABLE_KEYS[i]!) + 1))
    throw new Error('changedColumns: values out of bit order');
}

/** A stored event as both engines read it back, its payload resolved by the reading statement. */
export interface EventRow {
  seq: number;
  message_id: string;
  version: number;
  at: number;
  kind: string;
  snapshot: string;
  /** The payload at this version (null for format-1 snapshots, which hold it). */
  payload: string | null;
}

export function toEvent(r: EventRow): MessageEvent {
  return {
    seq: r.seq,
    messageId: r.message_id,
    version: r.version,
    at: new Date(r.at),
    kind: r.kind,
    message: rowToMessage(snapshotRow(r.snapshot, r.payload, r.message_id)),
  };
}

/** An ended attempt as both engines read it back. */
export interface AttemptRow {
  message_id: string;
  attempt: number;
  worker_id: string | null;
  started_at: number;
  ended_at: number;
  outcome: string;
  error: string | null;
}

export function toAttempt(r: AttemptRow): AttemptRecord {
  return {
    messageId: r.message_id,
    attempt: r.attempt,
    workerId: r.worker_id,
    startedAt: new Date(r.started_at),
    endedAt: new Date(r.ended_at),
    outcome: r.outcome as AttemptRecord['outcome'],
    error: r.error,
  };
}

/** A row drizzle read (keyed by property) as a stored row (keyed by column), given the table's columns. */
export function fromOrmRow(
  columns: Record<string, { name: string }>,
  r: Record<string, unknown>,
): MessageRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns)) out[column.name] = r[key];
  return out as unknown as MessageRow;
}
