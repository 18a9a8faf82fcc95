// The seam of the agentic workflow: what each underwriting step receives and returns. The offline
// deterministic provider implements it; a language-model agent can implement it later, step by step.
import type { ComplianceReport } from './compliance.js';
import type { Rating, RatingFactor } from './rating.js';
import type { RegionMatch } from './regions.js';
import type { RiskAssessment } from './risk.js';
import type { UnderwritingDecision } from './rules.js';
import type { QuoteSubmission } from './submission.js';

/** The steps in the order they run. */
export const STEP_NAMES = ['intake', 'risk-assessment', 'pricing', 'compliance', 'decision'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** What a step produced for the next steps, and what it found, in sentences for the reviewer. */
export type StepOutcome<T> = { output: T; findings: string[] };

// Each step sees the submission and everything the steps before it produced.
export type IntakeInput = { submission: QuoteSubmission; asOf: Date };
export type IntakeOutput = { region: RegionMatch | null };
export type RiskInput = IntakeInput & { intake: IntakeOutput };
export type RiskOutput = RiskAssessment & { factors: RatingFactor[] };
export type PricingInput = RiskInput & { risk: RiskOutput };
export type ComplianceInput = PricingInput & { rating: Rating };
export type DecisionInput = ComplianceInput & { compliance: ComplianceReport };

/**
 * One method per step. Each must settle promptly once `signal` aborts (rejecting with `signal.reason`);
 * the workflow also stops waiting for a step that ignores it.
 */
export interface UnderwritingProvider {
  /** Completeness and consistency of the submission; where the property is. */
  intake(input: IntakeInput, signal: AbortSignal): Promise<StepOutcome<IntakeOutput>>;
  /** The rating factors and the risk score they add up to. */
  assessRisk(input: RiskInput, signal: AbortSignal): Promise<StepOutcome<RiskOutput>>;
  price(input: PricingInput, signal: AbortSignal): Promise<StepOutcome<Rating>>;
  /** Sanctions screening and authority limits. */
  checkCompliance(input: ComplianceInput, signal: AbortSignal): Promise<StepOutcome<ComplianceReport>>;
  decide(input: DecisionInput, signal: AbortSignal): Promise<StepOutcome<UnderwritingDecision>>;
}
