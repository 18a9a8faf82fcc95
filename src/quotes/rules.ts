// The underwriting rules as a table: each refers a quote to a human or declines it. Declines win over
// referrals, because a risk the carrier will not write needs no reviewer; otherwise any referral refers.
import { BINDING_AUTHORITY_LIMIT, type ComplianceReport, PER_RISK_CAPACITY } from './compliance.js';
import {
  implausibleValuePerSquareFoot,
  PLAUSIBLE_VALUE_PER_SQUARE_FOOT,
  roofOlderThanBuilding,
  valuePerSquareFoot,
  zipStateMismatch,
} from './consistency.js';
import { dollars } from './money.js';
import type { Rating } from './rating.js';
import type { RegionMatch } from './regions.js';
import type { QuoteSubmission } from './submission.js';

export type Decision = 'APPROVED' | 'REFERRED' | 'DECLINED';

/** Everything a rule may look at. Rules judge what the applicant stated: an absent input never declines. */
export type RuleInput = {
  submission: QuoteSubmission;
  /** The rating date: fixes the building's age. */
  asOf: Date;
  region: RegionMatch | null;
  rating: Rating;
  compliance: ComplianceReport;
};

export type UnderwritingRule = {
  id: string;
  outcome: 'REFER' | 'DECLINE';
  /** The rule in words, for the documentation. */
  description: string;
  test(input: RuleInput): boolean;
  /** Why it applies to this quote, for the applicant and the reviewer. */
  reason(input: RuleInput): string;
};

export type UnderwritingDecision = {
  decision: Decision;
  /** Null when DECLINED: there is nothing to pay for. */
  annualPremium: number | null;
  /** Decline reasons when DECLINED, referral reasons when REFERRED, one approval line when APPROVED. */
  reasons: string[];
  /** Every referral rule that applied (also when a decline won): what a reviewer must look at. */
  referralReasons: string[];
  declineReasons: string[];
  /** Ids of the rules that applied, in table order. */
  ruleIds: string[];
};

export const REFERRAL_PRIOR_CLAIMS = 3;
export const DECLINE_PRIOR_CLAIMS = 5;
export const OLD_FRAME_BEFORE = 1940;
export const ANCIENT_FRAME_BEFORE = 1900;
export const OLD_ROOF_YEARS = 25;
/** Technical premium above this share of the coverage a year means the risk is priced near total loss. */
export const MAX_AUTOMATIC_RATE_ON_LINE = 0.011;

export const APPROVAL_REASON = 'meets every automatic underwriting guideline';

export const UNDERWRITING_RULES: readonly UnderwritingRule[] = [
  {
    id: 'sanctions-match',
    outcome: 'DECLINE',
    description: 'The applicant name matches an entry of the sanctions screening list',
    test: ({ compliance }) => compliance.screeningHits.length > 0,
    reason: ({ compliance }) =>
      `applicant matches the sanctions screening list (${compliance.screeningHits.join('; ')})`,
  },
  {
    id: 'excessive-prior-claims',
    outcome: 'DECLINE',
    description: `${DECLINE_PRIOR_CLAIMS} or more prior claims in the last five years`,
    test: ({ submission }) => (submission.priorClaims ?? 0) >= DECLINE_PRIOR_CLAIMS,
    reason: ({ submission }) =>
      `${submission.priorClaims} prior claims: ${DECLINE_PRIOR_CLAIMS} or more are declined`,
  },
  {
    id: 'pre-1900-frame',
    outcome: 'DECLINE',
    description: `FRAME construction built before ${ANCIENT_FRAME_BEFORE}`,
    test: ({ submission }) =>
      submission.construction === 'FRAME' &&
      (submission.yearBuilt ?? Number.POSITIVE_INFINITY) < ANCIENT_FRAME_BEFORE,
    reason: ({ submission }) =>
      `FRAME building from ${submission.yearBuilt}: wood frames built before ${ANCIENT_FRAME_BEFORE} are declined`,
  },
  {
    id: 'coverage-above-authority',
    outcome: 'REFER',
    description: `Coverage above ${dollars(BINDING_AUTHORITY_LIMIT)} (the service contract: always reviewed)`,
    test: ({ compliance }) => !compliance.withinBindingAuthority,
    reason: ({ submission }) =>
      `coverage ${dollars(submission.coverageAmount)} is above the ${dollars(BINDING_AUTHORITY_LIMIT)} automatic binding authority`,
  },
  {
    id: 'coverage-above-capacity',
    outcome: 'REFER',
    description: `Coverage above ${dollars(PER_RISK_CAPACITY)}, the per-risk capacity without facultative reinsurance`,
    test: ({ compliance }) => !compliance.withinCapacity,
    reason: () =>
      `coverage is above the ${dollars(PER_RISK_CAPACITY)} per-risk capacity: needs facultative reinsurance`,
  },
  {
    id: 'unknown-region-large-risk',
    outcome: 'REFER',
    description: `No US state recognised in the address and coverage above ${dollars(BINDING_AUTHORITY_LIMIT)}`,
    test: ({ region, submission }) => region === null && submission.coverageAmount > BINDING_AUTHORITY_LIMIT,
    reason: () =>
      'no US state or ZIP code recognised in the address: the hazard zone of a large risk must be confirmed',
  },
  {
    id: 'prior-claims',
    outcome: 'REFER',
    description: `${REFERRAL_PRIOR_CLAIMS} or more prior claims in the last five years (fewer than ${DECLINE_PRIOR_CLAIMS})`,
    test: ({ submission }) => {
      const claims = submission.priorClaims ?? 0;
      return claims >= REFERRAL_PRIOR_CLAIMS && claims < DECLINE_PRIOR_CLAIMS;
    },
    reason: ({ submission }) => `${submission.priorClaims} prior claims in the last five years`,
  },
  {
    id: 'old-frame',
    outcome: 'REFER',
    description: `FRAME construction built from ${ANCIENT_FRAME_BEFORE} to ${OLD_FRAME_BEFORE - 1}`,
    test: ({ submission }) =>
      submission.construction === 'FRAME' &&
      submission.yearBuilt !== undefined &&
      submission.yearBuilt >= ANCIENT_FRAME_BEFORE &&
      submission.yearBuilt < OLD_FRAME_BEFORE,
    reason: ({ submission }) =>
      `FRAME building from ${submission.yearBuilt}: wiring and structure need inspection`,
  },
  {
    id: 'old-roof',
    outcome: 'REFER',
    description: `Roof older than ${OLD_ROOF_YEARS} years`,
    test: ({ submission }) => (submission.roofAge ?? 0) > OLD_ROOF_YEARS,
    reason: ({ submission }) => `roof is ${submission.roofAge} years old (more than ${OLD_ROOF_YEARS})`,
  },
  {
    id: 'high-rate-on-line',
    outcome: 'REFER',
    description: `Technical premium above ${percent(MAX_AUTOMATIC_RATE_ON_LINE)} of the coverage a year`,
    test: ({ rating }) => rating.rateOnLine > MAX_AUTOMATIC_RATE_ON_LINE,
    reason: ({ rating }) =>
      `technical premium is ${percent(rating.rateOnLine)} of the coverage a year (limit ${percent(MAX_AUTOMATIC_RATE_ON_LINE)})`,
  },
  {
    id: 'zip-state-mismatch',
    outcome: 'REFER',
    description: 'The ZIP code belongs to another state than the one written in the address',
    test: ({ region }) => zipStateMismatch(region),
    reason: ({ region }) =>
      `address names ${region?.state} but ZIP code ${region?.zip} is in ${region?.zipState}`,
  },
  {
    id: 'implausible-value-per-square-foot',
    outcome: 'REFER',
    description: `Coverage per square foot outside ${dollars(PLAUSIBLE_VALUE_PER_SQUARE_FOOT.min)} to ${dollars(PLAUSIBLE_VALUE_PER_SQUARE_FOOT.max)}`,
    test: ({ submission }) => implausibleValuePerSquareFoot(submission),
    reason: ({ submission }) =>
      `coverage of ${dollars(Math.round(valuePerSquareFoot(submission) ?? 0))} per square foot is implausible (expected ${dollars(PLAUSIBLE_VALUE_PER_SQUARE_FOOT.min)} to ${dollars(PLAUSIBLE_VALUE_PER_SQUARE_FOOT.max)})`,
  },
  {
    id: 'roof-older-than-building',
    outcome: 'REFER',
    description: 'The roof age is more than the building age',
    test: ({ submission, asOf }) => roofOlderThanBuilding(submission, asOf),
    reason: ({ submission }) =>
      `roof age ${submission.roofAge} is more than the age of a building from ${submission.yearBuilt}`,
  },
];

/** Applies every rule of `rules` to `input` and decides: any decline declines, else any referral refers. */
export function evaluateRules(
  input: RuleInput,
  rules: readonly UnderwritingRule[] = UNDERWRITING_RULES,
): UnderwritingDecision {
  const applied = rules.filter((rule) => rule.test(input));
  const declineReasons = applied
    .filter((rule) => rule.outcome === 'DECLINE')
    .map((rule) => rule.reason(input));
  const referralReasons = applied
    .filter((rule) => rule.outcome === 'REFER')
    .map((rule) => rule.reason(input));
  const ruleIds = applied.map((rule) => rule.id);
  if (declineReasons.length > 0) {
    return {
      decision: 'DECLINED',
      annualPremium: null,
      reasons: declineReasons,
      referralReasons,
      declineReasons,
      ruleIds,
    };
  }
  const decision = referralReasons.length > 0 ? 'REFERRED' : 'APPROVED';
  const reasons = decision === 'REFERRED' ? referralReasons : [APPROVAL_REASON];
  return {
    decision,
    annualPremium: input.rating.annualPremium,
    reasons,
    referralReasons,
    declineReasons,
    ruleIds,
  };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}
