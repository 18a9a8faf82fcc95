// The rows of an uploaded CSV as submissions: the header names the input's fields (QuoteSubmissionInput's and the
// queue options of SubmitQuoteInput), each row is checked as the form checks it (validate.ts), and each invalid
// row keeps every reason. No imports but validate.ts: unit-tested from Node.
import {
  checkQuoteForm,
  EMPTY_FORM,
  PRIORITIES,
  type QuoteFormValues,
  type Submission,
} from '../quote/validate.js';

/** Columns a header may name, and the form field each fills. */
const COLUMNS = {
  applicantName: 'applicantName',
  address: 'address',
  coverageAmount: 'coverageAmount',
  yearBuilt: 'yearBuilt',
  construction: 'construction',
  deductible: 'deductible',
  priorClaims: 'priorClaims',
  squareFeet: 'squareFeet',
  roofAge: 'roofAge',
  hasSprinklers: 'hasSprinklers',
  priority: 'priority',
  maxRetries: 'maxRetries',
  timeoutSeconds: 'timeoutSeconds',
  runAt: 'runAt',
  useAgentic: 'useAgentic',
  idempotencyKey: 'idempotencyKey',
} as const;

/** One row as the API takes it (SubmitQuoteInput). */
export interface BatchInput {
  submission: Submission;
  useAgentic: boolean;
  priority: (typeof PRIORITIES)[number] | null;
  maxRetries: number;
  timeoutSeconds: number;
  runAt: string | null;
  idempotencyKey: string | null;
}

export interface ReadRows {
  /** Why the file as a whole cannot be read (no header, unknown columns); then no rows. */
  error: string | null;
  valid: { line: number; input: BatchInput }[];
  invalid: { line: number; reasons: string[] }[];
}

/** Most rows one batch may hold (the API's limit). */
export const MAX_ROWS = 1000;

const TRUE = new Set(['true', 'yes', '1']);
const FALSE = new Set(['false', 'no', '0', '']);

/** The parsed CSV (header first) as valid inputs and invalid rows, each with its line number in the file. */
export function readRows(records: string[][], now: Date = new Date()): ReadRows {
  const none = (error: string): ReadRows => ({ error, valid: [], invalid: [] });
  const [header, ...rows] = records;
  if (!header) return none('The file is empty: its first row must name the columns.');
  const names = header.map((h) => h.trim());
  const unknown = names.filter((n) => !(n in COLUMNS));
  if (unknown.length > 0)
    return none(`Unknown columns: ${unknown.join(', ')}. Known: ${Object.keys(COLUMNS).join(', ')}.`);
  for (const required of ['applicantName', 'address', 'coverageAmount']) {
    if (!names.includes(required)) return none(`The header must name ${required}.`);
  }
  if (rows.length === 0) return none('The file has a header but no rows.');
  if (rows.length > MAX_ROWS)
    return none(`The file has ${rows.length} rows; a batch holds at most ${MAX_ROWS}.`);

  const out: ReadRows = { error: null, valid: [], invalid: [] };
  rows.forEach((fields, index) => {
    const line = index + 2;
    const reasons: string[] = [];
    const cell: Record<string, string> = {};
    names.forEach((name, i) => {
      cell[name] = (fields[i] ?? '').trim();
    });
    if (fields.length > names.length)
      reasons.push(`has ${fields.length} fields; the header names ${names.length}`);
    const values: QuoteFormValues = { ...EMPTY_FORM, mode: 'async' };
    for (const key of [
      'applicantName',
      'address',
      'coverageAmount',
      'yearBuilt',
      'deductible',
      'priorClaims',
      'squareFeet',
      'roofAge',
      'maxRetries',
      'timeoutSeconds',
    ] as const) {
      if (cell[key] !== undefined && cell[key] !== '') values[key] = cell[key]!;
    }
    if (cell.construction) {
      if (['FRAME', 'MASONRY', 'FIRE_RESISTIVE'].includes(cell.construction))
        values.construction = cell.construction as QuoteFormValues['construction'];
      else reasons.push('construction: must be FRAME, MASONRY or FIRE_RESISTIVE');
    }
    if (cell.hasSprinklers) {
      const v = cell.hasSprinklers.toLowerCase();
      if (TRUE.has(v)) values.hasSprinklers = 'yes';
      else if (FALSE.has(v)) values.hasSprinklers = 'no';
      else reasons.push('hasSprinklers: must be true or false');
    }
    if (cell.priority) {
      if ((PRIORITIES as readonly string[]).includes(cell.priority))
        values.priority = cell.priority as QuoteFormValues['priority'];
      else reasons.push(`priority: must be one of ${PRIORITIES.join(', ')}`);
    }
    let useAgentic = false;
    if (cell.useAgentic) {
      const v = cell.useAgentic.toLowerCase();
      if (TRUE.has(v)) useAgentic = true;
      else if (!FALSE.has(v)) reasons.push('useAgentic: must be true or false');
    }
    if (cell.runAt) values.runAt = cell.runAt;
    const key = cell.idempotencyKey || null;
    if (key !== null && key.length > 200) reasons.push('idempotencyKey: must be 1 to 200 characters');
    const checked = checkQuoteForm(values, now);
    for (const [field, rule] of Object.entries(checked.errors)) reasons.push(`${field}: ${rule}`);
    if (reasons.length > 0 || !checked.submission) {
      out.invalid.push({ line, reasons });
      return;
    }
    out.valid.push({
      line,
      input: {
        submission: checked.submission,
        useAgentic,
        priority: values.priority || null,
        maxRetries: checked.maxRetries,
        timeoutSeconds: checked.timeoutSeconds,
        runAt: checked.runAt,
        idempotencyKey: key,
      },
    });
  });
  return out;
}
