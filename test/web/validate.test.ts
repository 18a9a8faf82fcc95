// The form's checks agree with the server's: every input the page accepts, the service accepts, and every
// input the page refuses, the service refuses naming the same field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubmissionError } from '../../src/quotes/errors.js';
import { parseSubmission } from '../../src/quotes/submission.js';
import {
  checkQuoteForm,
  EMPTY_FORM,
  parseWhole,
  type QuoteFormValues,
} from '../../web/src/quote/validate.js';

const OPTIONAL = ['yearBuilt', 'deductible', 'priorClaims', 'squareFeet', 'roofAge'] as const;

/** The field the server names, or null when it accepts. */
function serverVerdict(values: QuoteFormValues): string | null {
  const input: Record<string, unknown> = {
    applicantName: values.applicantName,
    address: values.address,
    coverageAmount: parseWhole(values.coverageAmount) ?? null,
  };
  for (const field of OPTIONAL) input[field] = parseWhole(values[field]) ?? null;
  if (values.construction) input.construction = values.construction;
  if (values.hasSprinklers) input.hasSprinklers = values.hasSprinklers === 'yes';
  try {
    parseSubmission(input);
    return null;
  } catch (error) {
    if (error instanceof SubmissionError) return error.field.replace(/^submission\./, '');
    throw error;
  }
}

const number = (min: number, max: number) =>
  fc.oneof(fc.constant(''), fc.integer({ min, max }).map(String), fc.constantFrom('12.5', 'abc', '1,000'));

const formValues = fc.record({
  applicantName: fc.oneof(fc.constant(''), fc.constant('   '), fc.string({ minLength: 1, maxLength: 210 })),
  address: fc.oneof(fc.constant(''), fc.string({ minLength: 1, maxLength: 510 })),
  coverageAmount: number(-10, 60_000_000),
  yearBuilt: number(1700, 2200),
  deductible: number(0, 200_000),
  priorClaims: number(-2, 30),
  squareFeet: number(0, 200_000),
  roofAge: number(-2, 120),
  construction: fc.constantFrom('', 'FRAME', 'MASONRY', 'FIRE_RESISTIVE'),
  hasSprinklers: fc.constantFrom('', 'yes', 'no'),
}) as fc.Arbitrary<Partial<QuoteFormValues>>;

describe('client-side validation', () => {
  it('accepts exactly what the server accepts, and names a field the server also finds at fault', () => {
    fc.assert(
      fc.property(formValues, (partial) => {
        const values = { ...EMPTY_FORM, ...partial };
        const client = checkQuoteForm(values);
        const server = serverVerdict(values);
        if (server === null) {
          expect(client.errors).toEqual({});
        } else {
          expect(Object.keys(client.errors)).toContain(server);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads numbers as people type them', () => {
    expect(parseWhole('2,000,000')).toBe(2_000_000);
    expect(parseWhole(' 250 000 ')).toBe(250_000);
    expect(parseWhole('')).toBeUndefined();
    expect(parseWhole('1.5')).toBeNaN();
  });

  it('checks queue options only for async submissions', () => {
    const base = {
      ...EMPTY_FORM,
      applicantName: 'A',
      address: 'B',
      coverageAmount: '1000',
      maxRetries: '11',
    };
    expect(checkQuoteForm(base).errors.maxRetries).toBe('must be a whole number from 0 to 10');
    expect(checkQuoteForm({ ...base, mode: 'sync' }).errors).toEqual({});
  });
});
