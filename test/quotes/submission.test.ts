import { describe, expect, it } from 'vitest';
import { SubmissionError } from '../../src/quotes/errors.js';
import { FIELD_RULES, parseSubmission, submissionSchema } from '../../src/quotes/submission.js';
import { AS_OF, submissionInput } from './fixtures.js';

const clock = () => AS_OF;

function errorOf(input: unknown): SubmissionError {
  try {
    parseSubmission(input, clock);
  } catch (error) {
    if (error instanceof SubmissionError) return error;
    throw error;
  }
  throw new Error('expected parseSubmission to throw');
}

describe('a valid submission', () => {
  it('is returned with its strings trimmed', () => {
    const parsed = parseSubmission(
      submissionInput({ applicantName: '  Jane Doe \n', address: '\t1 Main St, Austin, TX ' }),
      clock,
    );
    expect(parsed).toEqual({
      applicantName: 'Jane Doe',
      address: '1 Main St, Austin, TX',
      coverageAmount: 250_000,
    });
  });

  it('keeps every optional rating input given, and drops nulls and unknown fields', () => {
    const input = submissionInput({
      yearBuilt: 2025,
      construction: 'FIRE_RESISTIVE',
      deductible: 2_500,
      priorClaims: 0,
      squareFeet: 1_800,
      roofAge: 3,
      hasSprinklers: false,
      extra: 'ignored',
    });
    const parsed = parseSubmission({ ...input, hasSprinklers: null }, clock);
    expect(parsed).toEqual({
      applicantName: 'Jane Doe',
      address: '123 Main St, Springfield, IL 62704',
      coverageAmount: 250_000,
      yearBuilt: 2025,
      construction: 'FIRE_RESISTIVE',
      deductible: 2_500,
      priorClaims: 0,
      squareFeet: 1_800,
      roofAge: 3,
    });
  });

  it('reads fields only from the input itself, never through a "__proto__" key of stored JSON', () => {
    const { applicantName: _, ...rest } = submissionInput();
    const smuggled = JSON.parse(JSON.stringify({ ...rest, ['__proto__']: { applicantName: 'Hidden' } }));
    expect(Object.hasOwn(smuggled, '__proto__')).toBe(true);
    expect(errorOf(smuggled).field).toBe('submission.applicantName');
    const parsed = parseSubmission({ ...submissionInput(), ...smuggled }, clock);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(parsed.applicantName).toBe('Jane Doe');
  });

  it('accepts the bounds of every range', () => {
    const low = submissionInput({
      applicantName: 'A',
      address: 'B',
      coverageAmount: 1_000,
      yearBuilt: 1800,
      priorClaims: 0,
      deductible: 500,
    });
    const high = submissionInput({
      applicantName: 'x'.repeat(200),
      address: 'y'.repeat(500),
      coverageAmount: 50_000_000,
      priorClaims: 20,
      deductible: 100_000,
      squareFeet: 100_000,
      roofAge: 100,
    });
    expect(parseSubmission(low, clock).coverageAmount).toBe(1_000);
    expect(parseSubmission(high, clock).coverageAmount).toBe(50_000_000);
  });

  it('is also what the exported schema accepts, for the API layer to validate with', () => {
    expect(submissionSchema.safeParse(submissionInput({ applicantName: ' Ann ' }))).toMatchObject({
      success: true,
      data: { applicantName: 'Ann' },
    });
  });
});

describe('a bad field is a BAD_USER_INPUT error naming the field and its rule', () => {
  it.each([
    ['applicantName', { applicantName: '   ' }, FIELD_RULES.applicantName],
    ['applicantName', { applicantName: 'x'.repeat(201) }, FIELD_RULES.applicantName],
    ['applicantName', { applicantName: 42 }, FIELD_RULES.applicantName],
    ['applicantName', { applicantName: undefined }, `is required; ${FIELD_RULES.applicantName}`],
    ['address', { address: '' }, FIELD_RULES.address],
    ['address', { address: ` ${'y'.repeat(501)} ` }, FIELD_RULES.address],
    ['address', { address: null }, `is required; ${FIELD_RULES.address}`],
    ['coverageAmount', { coverageAmount: 0 }, FIELD_RULES.coverageAmount],
    ['coverageAmount', { coverageAmount: 50_000_001 }, FIELD_RULES.coverageAmount],
    ['coverageAmount', { coverageAmount: 1000.5 }, FIELD_RULES.coverageAmount],
    ['coverageAmount', { coverageAmount: '1000' }, FIELD_RULES.coverageAmount],
    ['yearBuilt', { yearBuilt: 1799 }, FIELD_RULES.yearBuilt],
    ['yearBuilt', { yearBuilt: 2026 }, FIELD_RULES.yearBuilt],
    ['construction', { construction: 'STRAW' }, FIELD_RULES.construction],
    ['deductible', { deductible: 499 }, FIELD_RULES.deductible],
    ['deductible', { deductible: 100_001, coverageAmount: 1_000_000 }, FIELD_RULES.deductible],
    ['deductible', { deductible: 5_000, coverageAmount: 4_000 }, 'must not exceed coverageAmount'],
    ['priorClaims', { priorClaims: -1 }, FIELD_RULES.priorClaims],
    ['priorClaims', { priorClaims: 21 }, FIELD_RULES.priorClaims],
    ['squareFeet', { squareFeet: 99 }, FIELD_RULES.squareFeet],
    ['roofAge', { roofAge: 101 }, FIELD_RULES.roofAge],
    ['hasSprinklers', { hasSprinklers: 'yes' }, FIELD_RULES.hasSprinklers],
  ])('%s: %j', (field, overrides, rule) => {
    const error = errorOf(submissionInput(overrides));
    expect(error.field).toBe(`submission.${field}`);
    expect(error.message).toBe(`submission.${field}: ${rule}`);
  });

  it.each([null, 'a string', [1, 2], 7])(
    'a submission that is not an object (%j) names the submission',
    (input) => {
      const error = errorOf(input);
      expect(error).toBeInstanceOf(SubmissionError);
      expect(error.field).toBe('submission');
    },
  );

  it('bounds yearBuilt by the clock given', () => {
    const input = submissionInput({ yearBuilt: 2026 });
    expect(parseSubmission(input, () => new Date('2026-01-01T00:00:00Z')).yearBuilt).toBe(2026);
    expect(() => parseSubmission(input, () => new Date('2025-12-31T23:59:59Z'))).toThrow(SubmissionError);
  });
});
