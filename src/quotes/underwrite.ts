// The plain underwriting path: one submission in, a priced decision out, with no steps to report.
import { checkCompliance, DEFAULT_SCREENING_LIST } from './compliance.js';
import { type Rating, rateQuote } from './rating.js';
import { detectRegion } from './regions.js';
import { evaluateRules, type UnderwritingDecision } from './rules.js';
import type { QuoteSubmission } from './submission.js';

export type UnderwriteOptions = {
  /** The rating date. */
  asOf: Date;
  /** Names to screen the applicant against; default `DEFAULT_SCREENING_LIST`. */
  screeningList?: readonly string[];
};

export type Underwriting = { rating: Rating; decision: UnderwritingDecision };

/** Rates `submission` and applies the rules, as the agentic workflow's deterministic steps do one at a time. */
export function underwrite(submission: QuoteSubmission, options: UnderwriteOptions): Underwriting {
  const region = detectRegion(submission.address);
  const rating = rateQuote(submission, region, options.asOf);
  const compliance = checkCompliance(submission, options.screeningList ?? DEFAULT_SCREENING_LIST);
  const decision = evaluateRules({ submission, asOf: options.asOf, region, rating, compliance });
  return { rating, decision };
}
