// Checks that a submission agrees with itself: the intake step reports them and the rules refer
// a quote whose inputs contradict each other, since its price would rest on a mistake.
import type { RegionMatch } from './regions.js';
import type { QuoteSubmission } from './submission.js';

/** Rebuild cost per square foot outside this range means the coverage or the size is wrong. */
export const PLAUSIBLE_VALUE_PER_SQUARE_FOOT = { min: 50, max: 2_000 } as const;

/** Coverage per square foot, or null when the size was not given. */
export function valuePerSquareFoot(submission: QuoteSubmission): number | null {
  return submission.squareFeet === undefined ? null : submission.coverageAmount / submission.squareFeet;
}

export function implausibleValuePerSquareFoot(submission: QuoteSubmission): boolean {
  const value = valuePerSquareFoot(submission);
  return (
    value !== null &&
    (value < PLAUSIBLE_VALUE_PER_SQUARE_FOOT.min || value > PLAUSIBLE_VALUE_PER_SQUARE_FOOT.max)
  );
}

/** The ZIP code belongs to another state than the one written in the address. */
export function zipStateMismatch(region: RegionMatch | null): boolean {
  return region !== null && region.zipState !== null && region.zipState !== region.state;
}

/** A roof older than the building it sits on cannot be. */
export function roofOlderThanBuilding(submission: QuoteSubmission, asOf: Date): boolean {
  const { roofAge, yearBuilt } = submission;
  return roofAge !== undefined && yearBuilt !== undefined && roofAge > asOf.getUTCFullYear() - yearBuilt;
}
