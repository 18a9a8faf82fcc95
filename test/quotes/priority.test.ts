import { describe, expect, it } from 'vitest';
import { autoPriority } from '../../src/quotes/priority.js';

describe('automatic priority from coverage', () => {
  it.each([
    [1, 'HIGH'],
    [99_999, 'HIGH'],
    [100_000, 'NORMAL'],
    [250_000, 'NORMAL'],
    [500_000, 'NORMAL'],
    [500_001, 'HIGH'],
    [50_000_000, 'HIGH'],
  ] as const)('coverage %i is %s', (coverage, expected) => {
    expect(autoPriority(coverage)).toBe(expected);
  });
});
