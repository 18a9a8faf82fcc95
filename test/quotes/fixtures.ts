// Shared test inputs for the quotes domain: a valid submission to vary and a clock that only moves when read.
import { parseSubmission, type QuoteSubmission } from '../../src/quotes/submission.js';

/** The rating date of every test: ages are counted from 2025. */
export const AS_OF = new Date('2025-06-01T12:00:00.000Z');

/** A plain, approvable quote in Illinois (a STANDARD hazard zone), varied by `overrides`. */
export function submissionInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    applicantName: 'Jane Doe',
    address: '123 Main St, Springfield, IL 62704',
    coverageAmount: 250_000,
    ...overrides,
  };
}

export function submission(overrides: Record<string, unknown> = {}): QuoteSubmission {
  return parseSubmission(submissionInput(overrides), () => AS_OF);
}

/** A clock starting at AS_OF that moves `stepMs` forward each time it is read, so durations are exact. */
export function steppingClock(stepMs: number): () => Date {
  let now = AS_OF.getTime();
  return () => {
    const current = new Date(now);
    now += stepMs;
    return current;
  };
}
