import { describe, expect, it } from 'vitest';
import { APPROVAL_REASON, UNDERWRITING_RULES } from '../../src/quotes/rules.js';
import { underwrite } from '../../src/quotes/underwrite.js';
import { AS_OF, submission } from './fixtures.js';

function judge(overrides: Record<string, unknown>) {
  return underwrite(submission(overrides), { asOf: AS_OF }).decision;
}

const NOWHERE = '1 Rue de Rivoli, Paris';
// Florida, 50-99 years old, frame, two claims, $500 deductible, 21-30 year roof: a stacked risk no single rule catches.
const STACKED_RISK = {
  address: '1 Ocean Dr, Miami, FL 33139',
  yearBuilt: 1950,
  construction: 'FRAME',
  priorClaims: 2,
  deductible: 500,
  roofAge: 25,
};

// [what, submission overrides, decision, ids of the rules that apply]
const CASES: [string, Record<string, unknown>, string, string[]][] = [
  ['a plain quote', {}, 'APPROVED', []],
  ['coverage exactly 1,000,000', { coverageAmount: 1_000_000 }, 'APPROVED', []],
  ['coverage 1,000,001', { coverageAmount: 1_000_001 }, 'REFERRED', ['coverage-above-authority']],
  ['coverage 10,000,000', { coverageAmount: 10_000_000 }, 'REFERRED', ['coverage-above-authority']],
  [
    'coverage 10,000,001',
    { coverageAmount: 10_000_001 },
    'REFERRED',
    ['coverage-above-authority', 'coverage-above-capacity'],
  ],
  ['no state, coverage 1,000,000', { address: NOWHERE, coverageAmount: 1_000_000 }, 'APPROVED', []],
  [
    'no state, coverage 1,000,001',
    { address: NOWHERE, coverageAmount: 1_000_001 },
    'REFERRED',
    ['coverage-above-authority', 'unknown-region-large-risk'],
  ],
  ['2 prior claims', { priorClaims: 2 }, 'APPROVED', []],
  ['3 prior claims', { priorClaims: 3 }, 'REFERRED', ['prior-claims']],
  ['4 prior claims', { priorClaims: 4 }, 'REFERRED', ['prior-claims']],
  ['5 prior claims', { priorClaims: 5 }, 'DECLINED', ['excessive-prior-claims']],
  ['FRAME built 1899', { construction: 'FRAME', yearBuilt: 1899 }, 'DECLINED', ['pre-1900-frame']],
  ['FRAME built 1900', { construction: 'FRAME', yearBuilt: 1900 }, 'REFERRED', ['old-frame']],
  ['FRAME built 1939', { construction: 'FRAME', yearBuilt: 1939 }, 'REFERRED', ['old-frame']],
  ['FRAME built 1940', { construction: 'FRAME', yearBuilt: 1940 }, 'APPROVED', []],
  ['MASONRY built 1899', { construction: 'MASONRY', yearBuilt: 1899 }, 'APPROVED', []],
  ['built 1899, construction not stated', { yearBuilt: 1899 }, 'APPROVED', []],
  ['roof 25 years old', { roofAge: 25 }, 'APPROVED', []],
  ['roof 26 years old', { roofAge: 26 }, 'REFERRED', ['old-roof']],
  ['a stacked risk', STACKED_RISK, 'REFERRED', ['high-rate-on-line']],
  ['the stacked risk with a $1,000 deductible', { ...STACKED_RISK, deductible: 1_000 }, 'APPROVED', []],
  [
    'a Georgia address with a Florida ZIP',
    { address: '1 Main St, Miami, GA 33101' },
    'REFERRED',
    ['zip-state-mismatch'],
  ],
  ['$125 per square foot', { squareFeet: 2_000 }, 'APPROVED', []],
  ['$25 per square foot', { squareFeet: 10_000 }, 'REFERRED', ['implausible-value-per-square-foot']],
  ['$50 per square foot', { squareFeet: 5_000 }, 'APPROVED', []],
  ['$2,000 per square foot', { coverageAmount: 1_000_000, squareFeet: 500 }, 'APPROVED', []],
  ['$2,500 per square foot', { squareFeet: 100 }, 'REFERRED', ['implausible-value-per-square-foot']],
  [
    'a 10-year roof on a 5-year building',
    { yearBuilt: 2020, roofAge: 10 },
    'REFERRED',
    ['roof-older-than-building'],
  ],
  ['a 5-year roof on a 5-year building', { yearBuilt: 2020, roofAge: 5 }, 'APPROVED', []],
  [
    'an applicant on the screening list',
    { applicantName: 'EMBARGOED, Ivan' },
    'DECLINED',
    ['sanctions-match'],
  ],
  [
    'a decline and referrals together',
    { coverageAmount: 2_000_000, priorClaims: 7, roofAge: 30 },
    'DECLINED',
    ['excessive-prior-claims', 'coverage-above-authority', 'old-roof'],
  ],
];

describe('underwriting rules', () => {
  it.each(CASES)('%s: %s', (_what, overrides, decision, ruleIds) => {
    const result = judge(overrides);
    expect(result.decision).toBe(decision);
    expect(result.ruleIds).toEqual(ruleIds);
  });

  it('has a case that triggers every rule of the table', () => {
    const triggered = new Set(CASES.flatMap(([, , , ruleIds]) => ruleIds));
    expect([...triggered].sort()).toEqual(UNDERWRITING_RULES.map((rule) => rule.id).sort());
  });

  it('has unique rule ids and a description for each', () => {
    expect(new Set(UNDERWRITING_RULES.map((rule) => rule.id)).size).toBe(UNDERWRITING_RULES.length);
    for (const rule of UNDERWRITING_RULES) expect(rule.description.length).toBeGreaterThan(10);
  });
});

describe('what a decision carries', () => {
  it('APPROVED: the premium and one approval reason', () => {
    const result = judge({});
    expect(result).toMatchObject({ decision: 'APPROVED', reasons: [APPROVAL_REASON], referralReasons: [] });
    expect(result.annualPremium).toBeGreaterThan(0);
  });

  it('REFERRED: the premium and the referral reasons', () => {
    const result = judge({ coverageAmount: 1_000_001, priorClaims: 3 });
    expect(result.decision).toBe('REFERRED');
    expect(result.annualPremium).toBeGreaterThan(0);
    expect(result.reasons).toEqual([
      'coverage $1,000,001 is above the $1,000,000 automatic binding authority',
      '3 prior claims in the last five years',
    ]);
    expect(result.referralReasons).toEqual(result.reasons);
  });

  it('DECLINED: no premium; the decline reasons, with the referral reasons kept apart', () => {
    const result = judge({ coverageAmount: 2_000_000, priorClaims: 5 });
    expect(result.decision).toBe('DECLINED');
    expect(result.annualPremium).toBeNull();
    expect(result.reasons).toEqual(['5 prior claims: 5 or more are declined']);
    expect(result.declineReasons).toEqual(result.reasons);
    expect(result.referralReasons).toEqual([
      'coverage $2,000,000 is above the $1,000,000 automatic binding authority',
    ]);
  });
});
