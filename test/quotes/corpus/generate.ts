// The corpus of generated quote submissions that pins every result of the underwriting: fast-check with a fixed
// seed, shaped to reach each branch (coverage bands, every way an address names or fails to name a state, each
// optional rating input absent, null, at a bound or past it, screened names, inputs that fail validation).
import fc from 'fast-check';
import { US_STATES } from '../../../src/quotes/regions.js';

/** The seed the committed corpus was generated with; a new seed is a new corpus (`npm run corpus:update`). */
export const CORPUS_SEED = 17;
/** How many cases: plain and agentic mixed, about a third agentic. */
export const CORPUS_SIZE = 3000;

export interface CorpusCase {
  /** The stored payload as the worker receives it (anything JSON: invalid ones must be refused the same way). */
  input: unknown;
  agentic: boolean;
}

const STATE_CODES = Object.keys(US_STATES);
const STATE_NAMES = Object.values(US_STATES);

/** Absent, null (GraphQL's "not given"), or one of the given values. */
function optional<T>(values: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 5, arbitrary: values },
  );
}

const integerNear = (points: number[], min: number, max: number) =>
  fc.oneof(fc.constantFrom(...points), fc.integer({ min, max }));

const coverage = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1_000, max: 99_999 }) },
  { weight: 5, arbitrary: fc.integer({ min: 100_000, max: 500_000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 500_001, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1_000_001, max: 10_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000_001, max: 50_000_000 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      1,
      99_999,
      100_000,
      500_000,
      500_001,
      999_999,
      1_000_000,
      1_000_001,
      10_000_000,
      10_000_001,
      50_000_000,
    ),
  },
);

const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('Jane Doe', 'José Álvarez', "O'Brien Holdings LLC", 'Li Wei') },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).filter((n) => n.trim().length > 0) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'Ivan Embargoed',
      'EMBARGOED, Ivan',
      '  ivan   embargoed ',
      'Ivàn Embargoed',
      'Sanctioned Trading Company',
      'company trading sanctioned',
      'Blocked Person Example',
      'Ivan Embargoed Jr',
    ),
  },
  { weight: 1, arbitrary: fc.constant('x'.repeat(200)) },
);

/** A ZIP code: of a state, of a territory or military mail, unused, or ZIP+4. */
const zip = fc.oneof(
  fc.integer({ min: 0, max: 99_999 }).map((n) => String(n).padStart(5, '0')),
  fc.constantFrom('78701', '62704', '10001', '33101', '90210', '00601', '09001', '96910', '00000', '99501'),
  fc.constantFrom('78701-1234', '62704-0001'),
);

const street = fc.oneof(
  fc.constantFrom('1 Main St', '123 Main St', '45 Elm Road', 'PO Box 7', '77 Ocean Drive'),
  // A state's name as a street: not the state.
  fc
    .tuple(fc.constantFrom(...STATE_NAMES), fc.constantFrom('Ave', 'Street', 'Blvd', 'Rd', 'Hwy', 'Square'))
    .map(([n, t]) => `12 ${n} ${t}`),
  // A leading 5-digit house number is no ZIP code.
  fc.constantFrom('12345 Long Road', '90210 Sunset Blvd'),
);

const city = fc.constantFrom(
  'Springfield',
  'Austin',
  'Portland',
  'Kansas City',
  'Washington',
  'Virginia Beach',
);

const statePart = fc.oneof(
  fc.constantFrom(...STATE_CODES),
  fc.constantFrom(...STATE_CODES).map((c) => c.toLowerCase()),
  fc.constantFrom(...STATE_NAMES),
  fc.constantFrom(...STATE_NAMES).map((n) => n.toUpperCase()),
  fc.constantFrom('West Virginia', 'Virginia', 'Kansas', 'Arkansas', 'New York', 'York', 'Washington'),
  fc.constantFrom('ZZ', 'PR', 'GU', 'Ontario', 'Bavaria'),
);

const country = fc.constantFrom(
  '',
  '',
  '',
  ', USA',
  ' USA',
  ', U.S.A.',
  ', United States of America',
  ', US.',
);

const address = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(street, city, statePart, zip, country)
      .map(([s, c, st, z, k]) => `${s}, ${c}, ${st} ${z}${k}`),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(street, city, statePart, country).map(([s, c, st, k]) => `${s}, ${c}, ${st}${k}`),
  },
  { weight: 2, arbitrary: fc.tuple(street, city, zip).map(([s, c, z]) => `${s} ${c} ${z}`) },
  { weight: 1, arbitrary: fc.tuple(street, city).map(([s, c]) => `${s}, ${c}`) },
  { weight: 1, arbitrary: fc.tuple(street, city, statePart).map(([s, c, st]) => `${s} ${c} ${st}`) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 60 }).filter((a) => a.trim().length > 0) },
);

const submission = fc.record(
  {
    applicantName: name,
    address,
    coverageAmount: coverage,
    yearBuilt: optional(integerNear([1800, 1899, 1900, 1939, 1940, 2015, 2016, 2025], 1800, 2025)),
    construction: optional(fc.constantFrom('FRAME', 'MASONRY', 'FIRE_RESISTIVE')),
    deductible: optional(integerNear([500, 999, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000], 500, 100_000)),
    priorClaims: optional(
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 2 }) },
        integerNear([3, 4, 5, 6, 20], 0, 20),
      ),
    ),
    squareFeet: optional(integerNear([100, 500, 1_000, 2_000, 5_000, 100_000], 100, 100_000)),
    roofAge: optional(integerNear([0, 10, 11, 20, 21, 30, 31, 100], 0, 100)),
    hasSprinklers: optional(fc.boolean()),
    // Fields the schema does not know: dropped.
    propertyType: optional(fc.constantFrom('SINGLE_FAMILY', 'CONDO')),
  },
  { requiredKeys: ['applicantName', 'address', 'coverageAmount'] },
);

/** One field at fault: each refusal must name the same field and rule. */
const broken = fc
  .tuple(
    submission,
    fc.constantFrom<[string, unknown[]]>(
      ['applicantName', ['', '   ', 'x'.repeat(201), 42, null]],
      ['address', ['', '   ', 'x'.repeat(501), 7, null]],
      ['coverageAmount', [0, -5, 1.5, 50_000_001, '250000', null]],
      ['yearBuilt', [1799, 2026, 1990.5, '1990']],
      ['construction', ['WOOD', 'frame']],
      ['deductible', [499, 100_001, 2_000_000]],
      ['priorClaims', [-1, 21, 2.5]],
      ['squareFeet', [99, 100_001]],
      ['roofAge', [-1, 101]],
      ['hasSprinklers', ['yes', 1]],
    ),
    fc.nat(),
  )
  .map(([valid, [field, values], pick]) => ({ ...valid, [field]: values[pick % values.length] }));

const input = fc.oneof(
  { weight: 50, arbitrary: submission },
  { weight: 8, arbitrary: broken },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], 'a submission', 42) },
);

/** The corpus: the same cases for the same seed and fast-check version. */
export function generateCorpus(seed = CORPUS_SEED, size = CORPUS_SIZE): CorpusCase[] {
  return fc
    .sample(input, { seed, numRuns: size })
    .map((generated, i) => ({ input: dropUndefined(generated), agentic: i % 3 === 0 }));
}

/** JSON has no undefined: an absent field is absent. */
function dropUndefined(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
