// The rating model: annual premium = coverage × base rate × every rating factor, never below the
// minimum premium. Each factor is a table lookup with the reason it applies, so a quote explains itself.
import { dollars } from './money.js';
import type { RegionMatch, StateCode } from './regions.js';
import type { Construction, QuoteSubmission } from './submission.js';

/** Dollars of premium per dollar of coverage before factors: $3.50 per $1,000. */
export const BASE_RATE = 0.0035;
/** No policy is worth writing for less: it covers issuing and servicing it. */
export const MINIMUM_PREMIUM = 250;

/** One multiplier of the premium and why it applies. */
export type RatingFactor = { name: string; value: number; reason: string };

export type Rating = {
  /** coverage × base rate, in dollars rounded to cents. */
  basePremium: number;
  /** basePremium × every factor, before the minimum premium. */
  technicalPremium: number;
  /** What the policy costs a year: the technical premium, at least the minimum premium. */
  annualPremium: number;
  minimumPremiumApplied: boolean;
  /** technicalPremium / coverage: the share of the insured value paid each year. */
  rateOnLine: number;
  factors: RatingFactor[];
};

/** Natural-hazard zones by state; every state and DC is in exactly one. */
export const HAZARD_ZONES = [
  {
    zone: 'SEVERE_HURRICANE',
    factor: 1.45,
    hazard: 'severe hurricane and storm-surge exposure',
    states: ['FL', 'LA'],
  },
  {
    zone: 'HURRICANE',
    factor: 1.25,
    hazard: 'hurricane exposure',
    states: ['TX', 'MS', 'AL', 'SC', 'NC', 'HI'],
  },
  { zone: 'SEVERE_WILDFIRE', factor: 1.3, hazard: 'severe wildfire and earthquake exposure', states: ['CA'] },
  {
    zone: 'WILDFIRE',
    factor: 1.15,
    hazard: 'wildfire exposure',
    states: ['OR', 'WA', 'CO', 'MT', 'ID', 'NV', 'AZ', 'NM', 'UT', 'WY'],
  },
  {
    zone: 'TORNADO_HAIL',
    factor: 1.2,
    hazard: 'tornado and hail exposure',
    states: ['OK', 'KS', 'NE', 'AR', 'MO', 'IA', 'SD', 'TN'],
  },
  {
    zone: 'COASTAL_STORM',
    factor: 1.1,
    hazard: "nor'easter and coastal storm exposure",
    states: ['ME', 'NH', 'MA', 'RI', 'CT', 'NY', 'NJ', 'DE', 'MD', 'VA', 'GA'],
  },
  {
    zone: 'STANDARD',
    factor: 1,
    hazard: 'no elevated catastrophe exposure',
    states: ['VT', 'PA', 'DC', 'WV', 'KY', 'OH', 'IN', 'MI', 'IL', 'WI', 'MN', 'ND', 'AK'],
  },
] as const satisfies readonly {
  zone: string;
  factor: number;
  hazard: string;
  states: readonly StateCode[];
}[];

export type HazardZone = (typeof HAZARD_ZONES)[number];

/** Property age in years (as of the rating date) at most `below`: older buildings have older wiring and plumbing. */
export const AGE_FACTORS = [
  { below: 10, value: 0.9, label: 'under 10 years old' },
  { below: 25, value: 1, label: '10 to 24 years old' },
  { below: 50, value: 1.1, label: '25 to 49 years old' },
  { below: 100, value: 1.25, label: '50 to 99 years old' },
  { below: Number.POSITIVE_INFINITY, value: 1.4, label: '100 years old or more' },
] as const;
/** Unknown age is rated like a 25-49 year old building, the middle of the housing stock, loaded a little. */
export const UNKNOWN_AGE_FACTOR = 1.1;

export const CONSTRUCTION_FACTORS: Record<Construction, number> = {
  FRAME: 1.15,
  MASONRY: 1,
  FIRE_RESISTIVE: 0.85,
};
/** Unknown construction is rated as the most common and most combustible class. */
export const DEFAULT_CONSTRUCTION: Construction = 'FRAME';

/** Deductible of at least `from` dollars: the more the owner keeps, the fewer and smaller the claims. */
export const DEDUCTIBLE_FACTORS = [
  { from: 25_000, value: 0.7 },
  { from: 10_000, value: 0.78 },
  { from: 5_000, value: 0.85 },
  { from: 2_500, value: 0.92 },
  { from: 1_000, value: 1 },
  { from: 500, value: 1.1 },
] as const;
export const DEFAULT_DEDUCTIBLE = 1_000;

/** Claims in the last five years, by count; the last entry applies to that many or more. */
export const PRIOR_CLAIMS_FACTORS = [1, 1.15, 1.35, 1.6, 1.85, 2.1] as const;

/** Roof age in years at most `upTo`: old roofs cause most water and wind losses. Unknown is neutral. */
export const ROOF_AGE_FACTORS = [
  { upTo: 10, value: 0.95 },
  { upTo: 20, value: 1 },
  { upTo: 30, value: 1.1 },
  { upTo: Number.POSITIVE_INFINITY, value: 1.25 },
] as const;

/** Sprinklers put most fires out before they spread. */
export const SPRINKLER_FACTOR = 0.9;

/**
 * Every rating factor of `submission`, in a fixed order, each with its reason. Absent inputs are rated
 * with the documented defaults. `asOf` is the rating date, which fixes the building's age.
 */
export function rateFactors(
  submission: QuoteSubmission,
  region: RegionMatch | null,
  asOf: Date,
): RatingFactor[] {
  return [
    regionFactor(region),
    ageFactor(submission.yearBuilt, asOf),
    constructionFactor(submission.construction),
    deductibleFactor(submission.deductible),
    priorClaimsFactor(submission.priorClaims ?? 0),
    roofFactor(submission.roofAge),
    sprinklerFactor(submission.hasSprinklers),
  ];
}

/** Prices `coverageAmount` with `factors`: coverage × base rate × their product, at least the minimum premium. */
export function priceFromFactors(coverageAmount: number, factors: readonly RatingFactor[]): Rating {
  const base = coverageAmount * BASE_RATE;
  const technicalPremium = roundCents(base * factorProduct(factors));
  return {
    basePremium: roundCents(base),
    technicalPremium,
    annualPremium: Math.max(technicalPremium, MINIMUM_PREMIUM),
    minimumPremiumApplied: technicalPremium < MINIMUM_PREMIUM,
    rateOnLine: technicalPremium / coverageAmount,
    factors: factors.map((factor) => ({ ...factor })),
  };
}

/** Rates `submission` in one go: its factors, then its price. */
export function rateQuote(submission: QuoteSubmission, region: RegionMatch | null, asOf: Date): Rating {
  return priceFromFactors(submission.coverageAmount, rateFactors(submission, region, asOf));
}

/** The product of the factors' values, in their order (the same order always gives the same float). */
export function factorProduct(factors: readonly RatingFactor[]): number {
  return factors.reduce((product, factor) => product * factor.value, 1);
}

const ZONE_OF_STATE = new Map<StateCode, HazardZone>(
  HAZARD_ZONES.flatMap((zone) => zone.states.map((state) => [state, zone] as const)),
);

export function hazardZoneOf(state: StateCode): HazardZone {
  const zone = ZONE_OF_STATE.get(state);
  if (!zone) throw new Error(`no hazard zone for state ${state}`);
  return zone;
}

function regionFactor(region: RegionMatch | null): RatingFactor {
  if (!region) {
    return {
      name: 'region',
      value: 1,
      reason: 'no US state or ZIP code recognised in the address: rated neutral',
    };
  }
  const zone = hazardZoneOf(region.state);
  return { name: 'region', value: zone.factor, reason: `${region.stateName} (${zone.zone}): ${zone.hazard}` };
}

function ageFactor(yearBuilt: number | undefined, asOf: Date): RatingFactor {
  if (yearBuilt === undefined) {
    return {
      name: 'property-age',
      value: UNKNOWN_AGE_FACTOR,
      reason: 'year built not given: rated as 25 to 49 years old',
    };
  }
  const age = Math.max(0, asOf.getUTCFullYear() - yearBuilt);
  const band = AGE_FACTORS.find((candidate) => age < candidate.below) ?? AGE_FACTORS[AGE_FACTORS.length - 1]!;
  return { name: 'property-age', value: band.value, reason: `built ${yearBuilt}: ${band.label}` };
}

function constructionFactor(construction: Construction | undefined): RatingFactor {
  const rated = construction ?? DEFAULT_CONSTRUCTION;
  const reason = construction ? `${construction} construction` : `construction not given: rated as ${rated}`;
  return { name: 'construction', value: CONSTRUCTION_FACTORS[rated], reason };
}

function deductibleFactor(deductible: number | undefined): RatingFactor {
  const rated = deductible ?? DEFAULT_DEDUCTIBLE;
  const band =
    DEDUCTIBLE_FACTORS.find((candidate) => rated >= candidate.from) ??
    DEDUCTIBLE_FACTORS[DEDUCTIBLE_FACTORS.length - 1]!;
  const reason =
    deductible === undefined
      ? `deductible not given: rated at ${dollars(rated)}`
      : `${dollars(rated)} deductible`;
  return { name: 'deductible', value: band.value, reason };
}

function priorClaimsFactor(claims: number): RatingFactor {
  const value = PRIOR_CLAIMS_FACTORS[Math.min(claims, PRIOR_CLAIMS_FACTORS.length - 1)]!;
  const reason =
    claims === 0
      ? 'no prior claims in the last five years'
      : `${claims} prior claim(s) in the last five years`;
  return { name: 'prior-claims', value, reason };
}

function roofFactor(roofAge: number | undefined): RatingFactor {
  if (roofAge === undefined)
    return { name: 'roof-age', value: 1, reason: 'roof age not given: rated neutral' };
  const band =
    ROOF_AGE_FACTORS.find((candidate) => roofAge <= candidate.upTo) ??
    ROOF_AGE_FACTORS[ROOF_AGE_FACTORS.length - 1]!;
  return { name: 'roof-age', value: band.value, reason: `roof ${roofAge} year(s) old` };
}

function sprinklerFactor(hasSprinklers: boolean | undefined): RatingFactor {
  if (hasSprinklers)
    return { name: 'sprinklers', value: SPRINKLER_FACTOR, reason: 'automatic sprinklers installed' };
  return {
    name: 'sprinklers',
    value: 1,
    reason: hasSprinklers === false ? 'no sprinklers' : 'sprinklers not stated',
  };
}

/** Premiums are money: whole cents. */
function roundCents(amount: number): number {
  return Math.round(amount * 100) / 100;
}
