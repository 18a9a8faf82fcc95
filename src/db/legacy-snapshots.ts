// What event snapshots written before the `options` column held in its place, for reading them back. The two
// columns named here are the only ones the queue ever kept for a submitter's own use; migration 0011 (SQLite) /
// 0006 (PostgreSQL) moved them into `options` the same way for the rows, and this does it for the log.

/** The keys of a format-2 snapshot (rows.ts), in their order. */
export const FORMAT_2_KEYS = [
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
  'use_agentic',
  'simulate',
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
] as const;

/**
 * The `options` text of an earlier row or snapshot: its flag 1 as `"useAgentic": true` and its JSON column as
 * `"simulate"`, only the keys set, null when neither (as the migrations write it).
 */
export function legacyOptions(row: Record<string, unknown>): string | null {
  const out: Record<string, unknown> = {};
  if (row.use_agentic === 1) out.useAgentic = true;
  if (typeof row.simulate === 'string') out.simulate = JSON.parse(row.simulate) as unknown;
  return Object.keys(out).length > 0 ? JSON.stringify(out) : null;
}
