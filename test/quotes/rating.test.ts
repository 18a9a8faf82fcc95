import { describe, expect, it } from 'vitest';
import {
  BASE_RATE,
  factorProduct,
  HAZARD_ZONES,
  MINIMUM_PREMIUM,
  rateQuote,
} from '../../src/quotes/rating.js';
import { detectRegion, type StateCode, US_STATES } from '../../src/quotes/regions.js';
import { AS_OF, submission } from './fixtures.js';

function rate(overrides: Record<string, unknown> = {}, asOf = AS_OF) {
  const quote = submission(overrides);
  return rateQuote(quote, detectRegion(quote.address), asOf);
}

function factor(overrides: Record<string, unknown>, name: string): number | undefined {
  return rate(overrides).factors.find((candidate) => candidate.name === name)?.value;
}

describe('the premium is coverage × base rate × every factor', () => {
  it('multiplies the documented factors of a fully described property', () => {
    const rating = rate({
      address: '5 Elm St, Austin, TX 78701',
      coverageAmount: 400_000,
      yearBuilt: 2000,
      construction: 'MASONRY',
      deductible: 5_000,
      priorClaims: 1,
      roofAge: 5,
      hasSprinklers: true,
    });
    expect(rating.factors.map(({ name, value }) => [name, value])).toEqual([
      ['region', 1.25],
      ['property-age', 1.1],
      ['construction', 1],
      ['deductible', 0.85],
      ['prior-claims', 1.15],
      ['roof-age', 0.95],
      ['sprinklers', 0.9],
    ]);
    expect(rating.basePremium).toBe(1_400);
    // 1400 × 1.25 × 1.1 × 1 × 0.85 × 1.15 × 0.95 × 0.9 = 1608.8428...
    expect(rating.annualPremium).toBe(1_608.84);
    expect(rating.minimumPremiumApplied).toBe(false);
    expect(rating.rateOnLine).toBeCloseTo(1_608.84 / 400_000, 10);
  });

  it('rates absent inputs with the documented defaults, and says so', () => {
    const rating = rate();
    expect(rating.factors).toEqual([
      { name: 'region', value: 1, reason: 'Illinois (STANDARD): no elevated catastrophe exposure' },
      { name: 'property-age', value: 1.1, reason: 'year built not given: rated as 25 to 49 years old' },
      { name: 'construction', value: 1.15, reason: 'construction not given: rated as FRAME' },
      { name: 'deductible', value: 1, reason: 'deductible not given: rated at $1,000' },
      { name: 'prior-claims', value: 1, reason: 'no prior claims in the last five years' },
      { name: 'roof-age', value: 1, reason: 'roof age not given: rated neutral' },
      { name: 'sprinklers', value: 1, reason: 'sprinklers not stated' },
    ]);
    expect(rating.annualPremium).toBe(Math.round(250_000 * BASE_RATE * 1.1 * 1.15 * 100) / 100);
  });

  it('charges the minimum premium when the rated premium is below it', () => {
    const rating = rate({ coverageAmount: 10_000 });
    expect(rating.basePremium).toBe(35);
    expect(rating.technicalPremium).toBe(44.28);
    expect(rating.annualPremium).toBe(MINIMUM_PREMIUM);
    expect(rating.minimumPremiumApplied).toBe(true);
  });

  it('gives the same rating for the same submission and date, every time', () => {
    const overrides = {
      address: '1 Ocean Dr, Miami, FL 33139',
      coverageAmount: 777_777,
      yearBuilt: 1977,
      roofAge: 12,
    };
    expect(rate(overrides)).toEqual(rate(overrides));
    expect(rate(overrides).annualPremium).toBe(
      Math.round(factorProduct(rate(overrides).factors) * 777_777 * BASE_RATE * 100) / 100,
    );
  });

  it('ages the building from the rating date, not the wall clock', () => {
    expect(rate({ yearBuilt: 2016 }, new Date('2025-12-31T00:00:00Z')).factors[1]?.value).toBe(0.9);
    expect(rate({ yearBuilt: 2016 }, new Date('2026-01-01T00:00:00Z')).factors[1]?.value).toBe(1);
  });
});

describe('factor tables', () => {
  it.each([
    [2025, 0.9],
    [2016, 0.9],
    [2015, 1],
    [2001, 1],
    [2000, 1.1],
    [1976, 1.1],
    [1975, 1.25],
    [1926, 1.25],
    [1925, 1.4],
    [1800, 1.4],
  ])('built %i: property-age ×%f', (yearBuilt, value) => {
    expect(factor({ yearBuilt }, 'property-age')).toBe(value);
  });

  it.each([
    ['FRAME', 1.15],
    ['MASONRY', 1],
    ['FIRE_RESISTIVE', 0.85],
  ])('%s: construction ×%f', (construction, value) => {
    expect(factor({ construction }, 'construction')).toBe(value);
  });

  it.each([
    [500, 1.1],
    [999, 1.1],
    [1_000, 1],
    [2_499, 1],
    [2_500, 0.92],
    [5_000, 0.85],
    [10_000, 0.78],
    [24_999, 0.78],
    [25_000, 0.7],
    [100_000, 0.7],
  ])('deductible $%i: ×%f', (deductible, value) => {
    expect(factor({ deductible }, 'deductible')).toBe(value);
  });

  it.each([
    [0, 1],
    [1, 1.15],
    [2, 1.35],
    [3, 1.6],
    [4, 1.85],
    [5, 2.1],
    [20, 2.1],
  ])('%i prior claims: ×%f', (priorClaims, value) => {
    expect(factor({ priorClaims }, 'prior-claims')).toBe(value);
  });

  it.each([
    [0, 0.95],
    [10, 0.95],
    [11, 1],
    [20, 1],
    [21, 1.1],
    [30, 1.1],
    [31, 1.25],
  ])('roof %i years old: ×%f', (roofAge, value) => {
    expect(factor({ roofAge }, 'roof-age')).toBe(value);
  });

  it.each([
    [true, 0.9],
    [false, 1],
  ])('sprinklers %s: ×%f', (hasSprinklers, value) => {
    expect(factor({ hasSprinklers }, 'sprinklers')).toBe(value);
  });

  it('puts every state and DC in exactly one hazard zone', () => {
    const zoned = HAZARD_ZONES.flatMap((zone) => zone.states as readonly StateCode[]);
    expect([...zoned].sort()).toEqual(Object.keys(US_STATES).sort());
  });

  it.each([
    ['1 Ocean Dr, Miami, FL 33139', 1.45],
    ['2 Bourbon St, New Orleans, Louisiana', 1.45],
    ['3 Gulf Rd, Biloxi, MS 39530', 1.25],
    ['4 Vine St, Los Angeles, CA 90028', 1.3],
    ['5 Pine St, Boulder, CO 80302', 1.15],
    ['6 Plains Rd, Wichita, KS 67202', 1.2],
    ['7 Harbor St, Boston, MA 02108', 1.1],
    ['8 Lake St, Chicago, IL 60601', 1],
  ])('%s: region ×%f', (address, value) => {
    expect(factor({ address }, 'region')).toBe(value);
  });

  it('rates an address without a recognisable state as neutral, with a note', () => {
    expect(rate({ address: '1 Rue de Rivoli, Paris' }).factors[0]).toEqual({
      name: 'region',
      value: 1,
      reason: 'no US state or ZIP code recognised in the address: rated neutral',
    });
  });
});
