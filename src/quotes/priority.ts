// The contract's automatic priority: which quotes jump the queue when the caller names no priority.

/** Above this coverage a quote is a large risk worth answering first. */
export const LARGE_COVERAGE = 500_000;
/** Below this coverage a quote is an edge case (tiny or odd risks) that is also answered first. */
export const SMALL_COVERAGE = 100_000;

/** Coverage above 500,000 or below 100,000 is HIGH; 100,000..500,000 inclusive is NORMAL. */
export function autoPriority(coverageAmount: number): 'HIGH' | 'NORMAL' {
  return coverageAmount > LARGE_COVERAGE || coverageAmount < SMALL_COVERAGE ? 'HIGH' : 'NORMAL';
}
