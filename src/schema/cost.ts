// What each list field counts for in the cost limit: how many items it is expected to hold. A list field's
// selection is counted once per expected item, so lists nested in lists multiply (docs/security.md).
/**
 * Expected items of the lists whose length the document does not set. Each is an upper estimate for a
 * typical message, not a bound: the execution guard (src/server/execution-guard.ts) stops what slips past.
 */
export const LIST_ESTIMATES = {
  /** A message's stored changes: enqueue, claim, a progress change per workflow step, the end, a review. */
  history: 20,
  /** Attempts that ended: at most maxRetries (0..10) + 1 in one life, more after retryMessage. */
  attempts: 11,
  /** The agentic workflow's steps. */
  steps: 5,
  /** Rating factors applied to a quote. */
  factors: 10,
  /** One count per priority. */
  pendingByPriority: 4,
} as const;

/**
 * What a field that reads storage counts for, besides its items: one query each time it resolves, which
 * costs as much as a few dozen fields read from memory.
 */
export const STORAGE_READ_COST = 20;

/** The cost of a list field: `multiplier` times its selection, plus `field` for the field itself. */
export function listCost(items: number, field = 1): { field: number; multiplier: number } {
  return { field, multiplier: items };
}

/**
 * A mutation field's extension naming its list argument: the rate limit charges such a field one request per
 * item of that list (at least one), as the same items sent one field each would be (src/server/mutation-charge.ts).
 */
export const CHARGE_PER_ITEM = 'chargePerItemOf';
