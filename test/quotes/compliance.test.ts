import { describe, expect, it } from 'vitest';
import { checkCompliance, DEFAULT_SCREENING_LIST, screenName } from '../../src/quotes/compliance.js';
import { submission } from './fixtures.js';

const LIST = ['Ivan Embargoed', 'Sanctioned Trading Company'];

describe('sanctions screening', () => {
  it.each([
    'Ivan Embargoed',
    'EMBARGOED, Ivan',
    '  ivan   embargoed ',
    'Ívan Embargoëd',
    'Sanctioned Trading Company.',
  ])('%j matches', (name) => {
    expect(screenName(name, LIST).length).toBe(1);
  });

  it.each(['Ivan Embargo', 'Ivan', 'Jane Doe', 'Ivan Embargoed Jr', 'Sanctioned Trading'])(
    '%j does not match',
    (name) => {
      expect(screenName(name, LIST)).toEqual([]);
    },
  );

  it('returns the entries matched, as listed', () => {
    expect(screenName('company trading sanctioned', LIST)).toEqual(['Sanctioned Trading Company']);
  });
});

describe('compliance report', () => {
  it.each([
    [1_000_000, true, true],
    [1_000_001, false, true],
    [10_000_000, false, true],
    [10_000_001, false, false],
  ])('coverage %i: within authority %s, within capacity %s', (coverageAmount, authority, capacity) => {
    expect(checkCompliance(submission({ coverageAmount }), DEFAULT_SCREENING_LIST)).toEqual({
      screeningHits: [],
      withinBindingAuthority: authority,
      withinCapacity: capacity,
    });
  });

  it('screens against the list it is given', () => {
    const quote = submission({ applicantName: 'Jane Doe' });
    expect(checkCompliance(quote, ['Doe Jane']).screeningHits).toEqual(['Doe Jane']);
    expect(checkCompliance(quote, DEFAULT_SCREENING_LIST).screeningHits).toEqual([]);
  });
});
