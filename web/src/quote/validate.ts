// The form's values and the server's submission rules (src/quotes/submission.ts, docs/underwriting.md),
// checked before sending so a person sees every mistake at once. The server checks again and its answer
// wins; the words match the server's so both read the same. No imports: unit-tested from Node.

export const CONSTRUCTIONS = ['FRAME', 'MASONRY', 'FIRE_RESISTIVE'] as const;
export const PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const;

/** What the form holds: text as typed, so a half-typed number is kept, not lost. */
export interface QuoteFormValues {
  applicantName: string;
  address: string;
  coverageAmount: string;
  yearBuilt: string;
  construction: '' | (typeof CONSTRUCTIONS)[number];
  deductible: string;
  priorClaims: string;
  squareFeet: string;
  roofAge: string;
  hasSprinklers: '' | 'yes' | 'no';
  mode: 'async' | 'sync';
  useAgentic: boolean;
  priority: '' | (typeof PRIORITIES)[number];
  maxRetries: string;
  timeoutSeconds: string;
  /** A local date and time (`datetime-local`), or empty for now. */
  runAt: string;
}

export type FieldName = Exclude<keyof QuoteFormValues, 'mode' | 'useAgentic'>;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const EMPTY_FORM: QuoteFormValues = {
  applicantName: '',
  address: '',
  coverageAmount: '',
  yearBuilt: '',
  construction: '',
  deductible: '',
  priorClaims: '',
  squareFeet: '',
  roofAge: '',
  hasSprinklers: '',
  mode: 'async',
  useAgentic: false,
  priority: '',
  maxRetries: '3',
  timeoutSeconds: '300',
  runAt: '',
};

/** How far ahead a submission may be scheduled (the server's rule). */
const RUN_AT_DAYS = 366;

/** The submission as the API takes it (`QuoteSubmissionInput`). */
export interface Submission {
  applicantName: string;
  address: string;
  coverageAmount: number;
  yearBuilt?: number;
  construction?: (typeof CONSTRUCTIONS)[number];
  deductible?: number;
  priorClaims?: number;
  squareFeet?: number;
  roofAge?: number;
  hasSprinklers?: boolean;
}

export interface Checked {
  errors: FieldErrors;
  submission: Submission | null;
  maxRetries: number;
  timeoutSeconds: number;
  /** ISO-8601 UTC, or null for now. */
  runAt: string | null;
}

/** "2,000,000" or "2 000 000" → 2000000; "" → undefined; anything else → NaN. */
export function parseWhole(text: string): number | undefined {
  const compact = text.replace(/[\s,_]/g, '');
  if (compact === '') return undefined;
  return /^-?\d+$/.test(compact) ? Number(compact) : Number.NaN;
}

function wholeIn(value: number | undefined, min: number, max: number): boolean {
  return value !== undefined && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** Checks every field; `submission` is null when any is wrong. `now` bounds yearBuilt. */
export function checkQuoteForm(values: QuoteFormValues, now: Date = new Date()): Checked {
  const errors: FieldErrors = {};
  const name = values.applicantName.trim();
  const address = values.address.trim();
  if (name.length < 1 || name.length > 200) {
    errors.applicantName = `${name ? '' : 'is required; '}must be 1 to 200 characters after trimming`;
  }
  if (address.length < 1 || address.length > 500) {
    errors.address = `${address ? '' : 'is required; '}must be 1 to 500 characters after trimming`;
  }
  const coverage = parseWhole(values.coverageAmount);
  if (!wholeIn(coverage, 1, 50_000_000)) {
    errors.coverageAmount = `${coverage === undefined ? 'is required; ' : ''}must be a whole number of US dollars from 1 to 50000000`;
  }

  const optional = (
    field: 'yearBuilt' | 'deductible' | 'priorClaims' | 'squareFeet' | 'roofAge',
    min: number,
    max: number,
    rule: string,
  ): number | undefined => {
    const value = parseWhole(values[field]);
    if (value === undefined) return undefined;
    if (!wholeIn(value, min, max)) errors[field] = rule;
    return value;
  };
  const yearBuilt = optional(
    'yearBuilt',
    1800,
    now.getUTCFullYear(),
    'must be a whole year from 1800 to the current year',
  );
  const deductible = optional(
    'deductible',
    500,
    100_000,
    'must be a whole number of US dollars from 500 to 100000',
  );
  if (!errors.deductible && deductible !== undefined && coverage !== undefined && deductible > coverage) {
    errors.deductible = 'must not exceed coverageAmount';
  }
  const priorClaims = optional('priorClaims', 0, 20, 'must be a whole number from 0 to 20');
  const squareFeet = optional('squareFeet', 100, 100_000, 'must be a whole number from 100 to 100000');
  const roofAge = optional('roofAge', 0, 100, 'must be a whole number of years from 0 to 100');

  let maxRetries = 3;
  let timeoutSeconds = 300;
  let runAt: string | null = null;
  if (values.mode === 'async') {
    if (values.runAt.trim() !== '') {
      // A datetime-local value has no zone: the browser's own, as the person sees it.
      const at = new Date(values.runAt);
      if (Number.isNaN(at.getTime())) errors.runAt = 'must be a date and time';
      else if (at.getTime() - now.getTime() > RUN_AT_DAYS * 86_400_000)
        errors.runAt = `must be at most ${RUN_AT_DAYS} days ahead`;
      else if (at > now) runAt = at.toISOString();
    }
    const retries = parseWhole(values.maxRetries);
    if (!wholeIn(retries, 0, 10)) errors.maxRetries = 'must be a whole number from 0 to 10';
    else maxRetries = retries as number;
    const timeout = parseWhole(values.timeoutSeconds);
    if (!wholeIn(timeout, 1, 3600))
      errors.timeoutSeconds = 'must be a whole number of seconds from 1 to 3600';
    else timeoutSeconds = timeout as number;
  }

  if (Object.keys(errors).length > 0) return { errors, submission: null, maxRetries, timeoutSeconds, runAt };

  const submission: Submission = { applicantName: name, address, coverageAmount: coverage as number };
  if (yearBuilt !== undefined) submission.yearBuilt = yearBuilt;
  if (values.construction) submission.construction = values.construction;
  if (deductible !== undefined) submission.deductible = deductible;
  if (priorClaims !== undefined) submission.priorClaims = priorClaims;
  if (squareFeet !== undefined) submission.squareFeet = squareFeet;
  if (roofAge !== undefined) submission.roofAge = roofAge;
  if (values.hasSprinklers) submission.hasSprinklers = values.hasSprinklers === 'yes';
  return { errors, submission, maxRetries, timeoutSeconds, runAt };
}
