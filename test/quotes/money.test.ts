// How amounts are written: the same text as en-US `toLocaleString` with at most two decimals, which it replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dollars } from '../../src/quotes/money.js';

const locale = (amount: number) => `$${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

describe('dollars', () => {
  it('writes whole amounts with thousands separators', () => {
    expect(dollars(0)).toBe('$0');
    expect(dollars(999)).toBe('$999');
    expect(dollars(1_000)).toBe('$1,000');
    expect(dollars(50_000_000)).toBe('$50,000,000');
    expect(dollars(-1_234_567)).toBe('$-1,234,567');
  });

  it('writes cents to at most two decimals', () => {
    expect(dollars(1_234.5)).toBe('$1,234.5');
    expect(dollars(1_106.88)).toBe('$1,106.88');
  });

  it('writes every amount as toLocaleString did', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -1e12, max: 1e12 }),
          fc.integer({ min: 0, max: 1e9 }).map((cents) => cents / 100),
          fc.double({ min: -1e9, max: 1e9, noNaN: true }),
          fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -0, 1e21),
        ),
        (amount) => {
          expect(dollars(amount)).toBe(locale(amount));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
