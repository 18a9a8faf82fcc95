// The JSON body of a webhook call: `{ type, timestamp, data: { message } }`, the message with the fields
// queueMessage shows an admin (the state at the event's version), built from the stored row without GraphQL.
import type { Json, Message } from '../queue/types.js';
import { quoteOptionsOf } from '../quote-options.js';

const DECISIONS = new Set(['APPROVED', 'REFERRED', 'DECLINED']);

/** The body, as sent on every try of one delivery. */
export function webhookBody(type: string, at: Date, message: Message): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data: { message: messageJson(message) } });
}

/** The message as the QueueMessage type prints it (DateTime as ISO strings, the quote result when COMPLETED). */
export function messageJson(m: Message): Record<string, unknown> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: m.id,
    status: m.status,
    priority: m.priority,
    effectivePriority: m.effectivePriority,
    createdAt: iso(m.createdAt),
    startedAt: iso(m.startedAt),
    completedAt: iso(m.completedAt),
    errorMessage: m.errorMessage,
    retryCount: m.retryCount,
    maxRetries: m.maxRetries,
    timeoutSeconds: m.timeoutSeconds,
    nextAttemptAt: iso(m.nextAttemptAt),
    deadLettered: m.deadLettered,
    version: m.version,
    payload: m.payload,
    useAgentic: quoteOptionsOf(m.options).useAgentic,
    result: m.status === 'COMPLETED' ? quoteResult(m.result) : null,
    review: {
      state: m.review.state,
      reasons: m.review.reasons,
      reviewer: m.review.reviewer,
      notes: m.review.notes,
      decidedAt: iso(m.review.decidedAt),
    },
    attemptCount: m.attempts,
  };
}

/** The stored result as QuoteResult shows it: the annual premium is null when DECLINED. */
function quoteResult(result: Json | null): Record<string, unknown> | null {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return null;
  if (typeof result.decision !== 'string' || !DECISIONS.has(result.decision)) return null;
  return {
    decision: result.decision,
    annualPremium: result.decision === 'DECLINED' ? null : (result.annualPremium ?? null),
    reasons: result.reasons ?? [],
    basePremium: result.basePremium ?? null,
    factors: result.factors ?? [],
    steps: result.steps ?? null,
  };
}
