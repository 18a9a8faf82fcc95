// Every error code of the contract reads as words, and a BAD_USER_INPUT names its field for the form.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES as CONTRACT } from '../../src/queue/errors.js';
import { schema } from '../../src/schema/index.js';
import { fromGraphQLError, fromUnknown, isErrorCode, wordsFor } from '../../web/src/api/errors.js';

describe('error words', () => {
  it("the schema lists every contract code in enum ErrorCode, which types the page's list", () => {
    const listed = schema.getType('ErrorCode')?.toConfig() as
      | { values?: Record<string, unknown> }
      | undefined;
    expect(Object.keys(listed?.values ?? {}).sort()).toEqual([...CONTRACT, 'INTERNAL_SERVER_ERROR'].sort());
  });

  it('has a distinct sentence for every contract code', () => {
    for (const code of CONTRACT) expect(isErrorCode(code)).toBe(true);
    const sentences = CONTRACT.map(wordsFor);
    expect(new Set(sentences).size).toBe(CONTRACT.length);
    for (const sentence of sentences) expect(sentence).toMatch(/^[A-Z].{20,}\.$/);
  });

  it('reads unknown codes as an internal error and transport failures as network', () => {
    expect(fromGraphQLError({ message: 'x', extensions: { code: 'WHAT' } }).code).toBe(
      'INTERNAL_SERVER_ERROR',
    );
    expect(fromUnknown(new Error('socket closed')).code).toBe('NETWORK');
  });

  it('finds the field at fault in extensions.field or in the message', () => {
    const byExtension = fromGraphQLError({
      message: 'submission.coverageAmount: must be a whole number of US dollars from 1 to 50000000',
      extensions: { code: 'BAD_USER_INPUT', field: 'submission.coverageAmount' },
    });
    expect(byExtension).toMatchObject({ code: 'BAD_USER_INPUT', field: 'coverageAmount' });
    const byMessage = fromGraphQLError({
      message: 'input.submission.deductible: must not exceed coverageAmount',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(byMessage.field).toBe('deductible');
  });
});
