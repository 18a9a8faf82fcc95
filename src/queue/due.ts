// When a PENDING message may be taken: the one rule for retries waiting out their backoff and scheduled submissions.
import type { Message } from './types.js';

/**
 * The moment a PENDING message becomes due, or null when it is due already: a retry's `nextAttemptAt`, else (never
 * taken yet) its `runAt`. Other states: null. Stores keep not-yet-due messages out of their claim index by it.
 */
export function dueAt(m: Pick<Message, 'status' | 'nextAttemptAt' | 'runAt' | 'attempts'>): Date | null {
  if (m.status !== 'PENDING') return null;
  return m.nextAttemptAt ?? (m.attempts === 0 ? m.runAt : null);
}
