// The offline underwriting provider: each step does its work with the rating model, the consistency
// checks, the compliance checks and the rule table, so the same submission always gets the same answer.
import {
  BINDING_AUTHORITY_LIMIT,
  checkCompliance,
  DEFAULT_SCREENING_LIST,
  PER_RISK_CAPACITY,
} from './compliance.js';
import {
  implausibleValuePerSquareFoot,
  PLAUSIBLE_VALUE_PER_SQUARE_FOOT,
  roofOlderThanBuilding,
  valuePerSquareFoot,
  zipStateMismatch,
} from './consistency.js';
import { dollars } from './money.js';
import type { IntakeInput, UnderwritingProvider } from './provider.js';
import {
  BASE_RATE,
  DEFAULT_CONSTRUCTION,
  DEFAULT_DEDUCTIBLE,
  factorProduct,
  MINIMUM_PREMIUM,
  priceFromFactors,
  type RatingFactor,
  rateFactors,
} from './rating.js';
import { detectRegion, type RegionMatch } from './regions.js';
import { assessRisk } from './risk.js';
import { evaluateRules } from './rules.js';

export type DeterministicProviderOptions = {
  /** Names the applicant is screened against; default `DEFAULT_SCREENING_LIST`. */
  screeningList?: readonly string[];
};

export function createDeterministicProvider(
  options: DeterministicProviderOptions = {},
): UnderwritingProvider {
  const screeningList = options.screeningList ?? DEFAULT_SCREENING_LIST;
  return {
    async intake(input) {
      const region = detectRegion(input.submission.address);
      return { output: { region }, findings: intakeFindings(input, region) };
    },

    async assessRisk({ submission, asOf, intake }) {
      const factors = rateFactors(submission, intake.region, asOf);
      const assessment = assessRisk(factors);
      const findings = [
        `risk score ${assessment.score}/100 (${assessment.band}), combined factor ×${round4(factorProduct(factors))}`,
        assessment.drivers.length > 0
          ? `raised by: ${assessment.drivers.map(describeFactor).join('; ')}`
          : 'no factor raises the premium',
      ];
      if (assessment.credits.length > 0)
        findings.push(`lowered by: ${assessment.credits.map(describeFactor).join('; ')}`);
      return { output: { ...assessment, factors }, findings };
    },

    async price({ submission, risk }) {
      const rating = priceFromFactors(submission.coverageAmount, risk.factors);
      const findings = [
        `base premium ${dollars(rating.basePremium)}: coverage ${dollars(submission.coverageAmount)} at ${dollars(BASE_RATE * 1000)} per $1,000`,
        `technical premium ${dollars(rating.technicalPremium)}: base × combined factor ×${round4(factorProduct(risk.factors))}`,
      ];
      if (rating.minimumPremiumApplied)
        findings.push(`raised to the minimum premium of ${dollars(MINIMUM_PREMIUM)}`);
      findings.push(`annual premium ${dollars(rating.annualPremium)}`);
      return { output: rating, findings };
    },

    async checkCompliance({ submission }) {
      const report = checkCompliance(submission, screeningList);
      const findings = [
        report.screeningHits.length > 0
          ? `sanctions screening: applicant matches ${report.screeningHits.join('; ')}`
          : `sanctions screening: no match among ${screeningList.length} listed names`,
        report.withinBindingAuthority
          ? `coverage within the ${dollars(BINDING_AUTHORITY_LIMIT)} automatic binding authority`
          : `coverage above the ${dollars(BINDING_AUTHORITY_LIMIT)} automatic binding authority: a human must review`,
        report.withinCapacity
          ? `coverage within the ${dollars(PER_RISK_CAPACITY)} per-risk capacity`
          : `coverage above the ${dollars(PER_RISK_CAPACITY)} per-risk capacity: facultative reinsurance needed`,
      ];
      return { output: report, findings };
    },

    async decide({ submission, asOf, intake, rating, compliance }) {
      const decision = evaluateRules({ submission, asOf, region: intake.region, rating, compliance });
      const findings = [
        `decision ${decision.decision}`,
        ...decision.reasons,
        decision.ruleIds.length > 0
          ? `rules applied: ${decision.ruleIds.join(', ')}`
          : 'no underwriting rule applied',
      ];
      return { output: decision, findings };
    },
  };
}

/** The offline provider with the default screening list. */
export const deterministicProvider: UnderwritingProvider = createDeterministicProvider();

/** What a reviewer wants checked first: where the property is, what was not given, what does not add up. */
function intakeFindings({ submission, asOf }: IntakeInput, region: RegionMatch | null): string[] {
  const findings: string[] = [
    `coverage ${dollars(submission.coverageAmount)} requested for ${submission.applicantName}`,
  ];
  findings.push(
    region
      ? `property in ${region.stateName} (${region.state}), recognised by ${region.matchedBy}`
      : 'no US state or ZIP code recognised in the address: region rated neutral',
  );
  if (region?.zip) {
    findings.push(
      zipStateMismatch(region)
        ? `ZIP code ${region.zip} is in ${region.zipState}, but the address names ${region.state}`
        : `ZIP code ${region.zip} ${region.zipState ? `agrees with ${region.zipState}` : 'is outside the 50 states and DC'}`,
    );
  }
  const defaulted = defaultedInputs(submission);
  findings.push(
    defaulted.length > 0
      ? `not given, rated by default: ${defaulted.join(', ')}`
      : 'every rating input given',
  );
  const perSquareFoot = valuePerSquareFoot(submission);
  if (perSquareFoot !== null) {
    const verdict = implausibleValuePerSquareFoot(submission)
      ? `implausible (expected ${dollars(PLAUSIBLE_VALUE_PER_SQUARE_FOOT.min)} to ${dollars(PLAUSIBLE_VALUE_PER_SQUARE_FOOT.max)})`
      : 'plausible';
    findings.push(`coverage of ${dollars(Math.round(perSquareFoot))} per square foot: ${verdict}`);
  }
  if (roofOlderThanBuilding(submission, asOf)) {
    findings.push(
      `roof age ${submission.roofAge} exceeds the age of a building from ${submission.yearBuilt}`,
    );
  }
  return findings;
}

function defaultedInputs(submission: IntakeInput['submission']): string[] {
  const defaulted: string[] = [];
  if (submission.yearBuilt === undefined) defaulted.push('yearBuilt (as 25 to 49 years old)');
  if (submission.construction === undefined) defaulted.push(`construction (as ${DEFAULT_CONSTRUCTION})`);
  if (submission.deductible === undefined) defaulted.push(`deductible (as ${dollars(DEFAULT_DEDUCTIBLE)})`);
  if (submission.priorClaims === undefined) defaulted.push('priorClaims (as 0)');
  if (submission.roofAge === undefined) defaulted.push('roofAge (neutral)');
  if (submission.hasSprinklers === undefined) defaulted.push('hasSprinklers (as none)');
  return defaulted;
}

function describeFactor(factor: RatingFactor): string {
  return `${factor.name} ×${factor.value} (${factor.reason})`;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
