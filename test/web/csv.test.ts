// The page's CSV reading: fields as RFC 4180 writes them, and rows checked as the form checks them, each invalid
// one with every reason.
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../web/src/batch/csv.js';
import { readRows } from '../../web/src/batch/rows.js';

const NOW = new Date('2026-06-01T12:00:00Z');

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF, a BOM, and skips blank lines', () => {
    const text = '\ufeffa,b,c\r\n"1, Main St","say ""hi""","two\nlines"\r\n\r\nx,,z\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1, Main St', 'say "hi"', 'two\nlines'],
      ['x', '', 'z'],
    ]);
  });
});

describe('readRows', () => {
  const header = ['applicantName', 'address', 'coverageAmount', 'priority', 'hasSprinklers'];

  it('turns valid rows into inputs and keeps every reason of an invalid row, with its line', () => {
    const read = readRows(
      [
        header,
        ['Ada', '1 Main St, Austin, TX', '250,000', 'HIGH', 'yes'],
        ['', '2 Main St', '60000000', 'SOON', 'maybe'],
        ['Bo', '3 Main St, Austin, TX', '300000', '', ''],
      ],
      NOW,
    );
    expect(read.error).toBeNull();
    expect(read.valid.map((v) => [v.line, v.input.submission.applicantName, v.input.priority])).toEqual([
      [2, 'Ada', 'HIGH'],
      [4, 'Bo', null],
    ]);
    expect(read.valid[0]!.input.submission).toMatchObject({ coverageAmount: 250_000, hasSprinklers: true });
    expect(read.invalid).toHaveLength(1);
    expect(read.invalid[0]!.line).toBe(3);
    expect(read.invalid[0]!.reasons.join('\n')).toMatch(/priority/);
    expect(read.invalid[0]!.reasons.join('\n')).toMatch(/hasSprinklers/);
    expect(read.invalid[0]!.reasons.join('\n')).toMatch(/applicantName/);
    expect(read.invalid[0]!.reasons.join('\n')).toMatch(/coverageAmount/);
  });

  it('refuses a file whose header names unknown columns or lacks a required one', () => {
    expect(readRows([['applicantName', 'address', 'coverage']], NOW).error).toMatch(
      /Unknown columns: coverage/,
    );
    expect(readRows([['applicantName', 'address']], NOW).error).toMatch(/must name coverageAmount/);
    expect(readRows([], NOW).error).toMatch(/empty/);
  });
});
