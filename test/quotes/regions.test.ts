import { describe, expect, it } from 'vitest';
import { detectRegion, stateOfZip, US_STATES } from '../../src/quotes/regions.js';

describe('finding the state of an address', () => {
  it.each([
    ['123 Main St, Springfield, IL 62704', 'IL', 'state code'],
    ['77 Sunset Blvd, Los Angeles, CA 90028, USA', 'CA', 'state code'],
    ['1 Washington St, Boston, ma 02108-1234', 'MA', 'state code'],
    ['12 Georgia Ave, Austin, TX', 'TX', 'state code'],
    ['4 OAK LN, PORTLAND ME', 'ME', 'state code'],
    ['1 Ocean Dr, Miami, Florida', 'FL', 'state name'],
    ['500 Elm St, Charleston, West Virginia 25301', 'WV', 'state name'],
    ['9 Capitol Way, Richmond, virginia', 'VA', 'state name'],
    ['1600 Pennsylvania Ave NW, Washington, District of Columbia', 'DC', 'state name'],
    ['9 Pine Rd 33101', 'FL', 'ZIP code'],
    ['PO Box 12, 99501', 'AK', 'ZIP code'],
  ] as const)('%s is in %s (by %s)', (address, state, matchedBy) => {
    expect(detectRegion(address)).toMatchObject({ state, stateName: US_STATES[state], matchedBy });
  });

  it.each([
    '123 Main St',
    '12345 Main St',
    '1 Rue de Rivoli, Paris, France',
    '10 Texas Ave, Springfield',
    'Calle 5, San Juan 00901',
  ])('%s has no recognisable state', (address) => {
    expect(detectRegion(address)).toBeNull();
  });

  it('keeps the ZIP state apart when the address disagrees with itself', () => {
    expect(detectRegion('1 Main St, Miami, GA 33101')).toEqual({
      state: 'GA',
      stateName: 'Georgia',
      matchedBy: 'state code',
      zip: '33101',
      zipState: 'FL',
    });
  });

  it.each([
    ['00501', 'NY'],
    ['02108', 'MA'],
    ['20500', 'DC'],
    ['73301', 'TX'],
    ['96813', 'HI'],
    ['99950', 'AK'],
    ['00901', null],
    ['09001', null],
    ['34001', null],
  ])('ZIP %s is in %s', (zip, state) => {
    expect(stateOfZip(zip)).toBe(state);
  });
});
