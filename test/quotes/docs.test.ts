import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEP_NAMES } from '../../src/quotes/provider.js';
import {
  AGE_FACTORS,
  BASE_RATE,
  CONSTRUCTION_FACTORS,
  DEDUCTIBLE_FACTORS,
  HAZARD_ZONES,
  MINIMUM_PREMIUM,
  PRIOR_CLAIMS_FACTORS,
  ROOF_AGE_FACTORS,
  SPRINKLER_FACTOR,
} from '../../src/quotes/rating.js';
import { UNDERWRITING_RULES } from '../../src/quotes/rules.js';

const doc = readFileSync(new URL('../../docs/underwriting.md', import.meta.url), 'utf8');

/** The table row of the doc that starts with `first` (a backticked name). */
function row(first: string): string {
  const line = doc.split('\n').find((candidate) => candidate.startsWith(`| \`${first}\` |`));
  if (!line) throw new Error(`docs/underwriting.md has no row for ${first}`);
  return line;
}

describe('docs/underwriting.md is true to the code', () => {
  it.each(UNDERWRITING_RULES.map((rule) => [rule.id, rule.outcome]))('lists rule %s as %s', (id, outcome) => {
    expect(row(id)).toContain(`| ${outcome} |`);
  });

  it.each(HAZARD_ZONES.map((zone) => [zone.zone, zone]))(
    'lists zone %s with its factor and states',
    (name, zone) => {
      expect(row(name)).toContain(`| ${zone.factor.toFixed(2)} |`);
      expect(row(name)).toContain(`| ${zone.states.join(', ')} |`);
    },
  );

  it.each(STEP_NAMES)('describes step %s', (name) => {
    expect(row(name)).toMatch(/\| .{10,} \|$/);
  });

  it('states the base rate, the minimum premium and every factor value', () => {
    expect(doc).toContain(`coverageAmount × ${BASE_RATE}`);
    expect(doc).toContain(`max(technicalPremium, ${MINIMUM_PREMIUM})`);
    const values = [
      ...AGE_FACTORS.map((band) => band.value),
      ...Object.values(CONSTRUCTION_FACTORS),
      ...DEDUCTIBLE_FACTORS.map((band) => band.value),
      ...PRIOR_CLAIMS_FACTORS,
      ...ROOF_AGE_FACTORS.map((band) => band.value),
      SPRINKLER_FACTOR,
    ];
    for (const value of values) expect(doc).toContain(` ${value.toFixed(2)} `);
  });
});
