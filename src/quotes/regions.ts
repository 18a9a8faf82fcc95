// Finds the US state of a free-text address, from a state code, a state name or the ZIP code, so
// the rating model can price the region's natural hazards.

// biome-ignore format: a table reads better dense
export const US_STATES = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado',
  CT: 'Connecticut', DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia',
  HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky',
  LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota',
  MS: 'Mississippi', MO: 'Missouri', MT: 'Montana', NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire',
  NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York', NC: 'North Carolina', ND: 'North Dakota',
  OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania', RI: 'Rhode Island',
  SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont',
  VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming',
} as const;

export type StateCode = keyof typeof US_STATES;

export type RegionMatch = {
  state: StateCode;
  stateName: string;
  /** Which part of the address named the state; a state written out wins over the ZIP code. */
  matchedBy: 'state code' | 'state name' | 'ZIP code';
  /** The 5-digit ZIP code ending the address, if any. */
  zip: string | null;
  /** The state the ZIP code belongs to, when known; differs from `state` when the address disagrees with itself. */
  zipState: StateCode | null;
};

/**
 * The state of `address`, or null when none is recognisable. Of several candidates the one written
 * last wins, since addresses end with the state ("12 Georgia Ave, Austin, TX" is in Texas).
 */
export function detectRegion(address: string): RegionMatch | null {
  const text = address.replace(TRAILING_COUNTRY, '').trim();
  const zip = ZIP_AT_END.exec(text)?.[1] ?? null;
  const zipState = zip === null ? null : stateOfZip(zip);
  const named = lastCandidate([...stateCodeCandidates(text), ...stateNameCandidates(text)]);
  if (named)
    return {
      state: named.state,
      stateName: US_STATES[named.state],
      matchedBy: named.matchedBy,
      zip,
      zipState,
    };
  if (zipState)
    return { state: zipState, stateName: US_STATES[zipState], matchedBy: 'ZIP code', zip, zipState };
  return null;
}

/** The state of a 5-digit ZIP code by its 3-digit prefix; null for territories, military mail and unused prefixes. */
export function stateOfZip(zip: string): StateCode | null {
  const prefix = Number.parseInt(zip.slice(0, 3), 10);
  for (const [from, to, state] of ZIP3_RANGES) if (prefix >= from && prefix <= to) return state;
  return null;
}

export function isStateCode(value: string): value is StateCode {
  return Object.hasOwn(US_STATES, value);
}

// USPS 3-digit ZIP prefix ranges. A few prefixes straddle a border; they go to the state holding most of them.
// biome-ignore format: a table reads better dense
const ZIP3_RANGES: readonly (readonly [number, number, StateCode])[] = [
  [5, 5, 'NY'], [10, 27, 'MA'], [28, 29, 'RI'], [30, 38, 'NH'], [39, 49, 'ME'], [50, 54, 'VT'],
  [55, 55, 'MA'], [56, 59, 'VT'], [60, 69, 'CT'], [70, 89, 'NJ'], [100, 149, 'NY'], [150, 196, 'PA'],
  [197, 199, 'DE'], [200, 200, 'DC'], [201, 201, 'VA'], [202, 205, 'DC'], [206, 219, 'MD'],
  [220, 246, 'VA'], [247, 268, 'WV'], [270, 289, 'NC'], [290, 299, 'SC'], [300, 319, 'GA'],
  [320, 339, 'FL'], [341, 349, 'FL'], [350, 369, 'AL'], [370, 385, 'TN'], [386, 397, 'MS'],
  [398, 399, 'GA'], [400, 427, 'KY'], [430, 459, 'OH'], [460, 479, 'IN'], [480, 499, 'MI'],
  [500, 528, 'IA'], [530, 549, 'WI'], [550, 567, 'MN'], [569, 569, 'DC'], [570, 577, 'SD'],
  [580, 588, 'ND'], [590, 599, 'MT'], [600, 629, 'IL'], [630, 658, 'MO'], [660, 679, 'KS'],
  [680, 693, 'NE'], [700, 714, 'LA'], [716, 729, 'AR'], [730, 732, 'OK'], [733, 733, 'TX'],
  [734, 749, 'OK'], [750, 799, 'TX'], [800, 816, 'CO'], [820, 831, 'WY'], [832, 838, 'ID'],
  [840, 847, 'UT'], [850, 865, 'AZ'], [870, 884, 'NM'], [885, 885, 'TX'], [889, 898, 'NV'],
  [900, 961, 'CA'], [967, 968, 'HI'], [970, 979, 'OR'], [980, 994, 'WA'], [995, 999, 'AK'],
];

const TRAILING_COUNTRY = /[\s,]*\b(?:USA|U\.S\.A\.|US|U\.S\.|United States(?: of America)?)\.?\s*$/i;
// A ZIP code only counts at the end of the address: a leading 5-digit number is a house number.
const ZIP_AT_END = /(?:^|[\s,])(\d{5})(?:-\d{4})?$/;
// A state code before a ZIP code ("TX 78701"), or as its own comma-separated part or last word ("Austin, TX").
const CODE_BEFORE_ZIP = /\b([A-Za-z]{2})\.?,?\s+\d{5}(?:-\d{4})?\b/g;
const CODE_AS_PART = /(?:^|,)\s*([A-Za-z]{2})\s*(?=,|$)/g;
const CODE_AS_LAST_WORD = /\s([A-Z]{2})$/g;
const CODE_PATTERNS = [CODE_BEFORE_ZIP, CODE_AS_PART, CODE_AS_LAST_WORD];
// A state name followed by a street type names a street ("Texas Ave"), not the state.
const STREET_AFTER =
  /^\s+(?:st|street|ave|avenue|blvd|boulevard|rd|road|dr|drive|ln|lane|way|pl|place|ct|court|pkwy|parkway|ter|terrace|cir|circle|hwy|highway|sq|square)\b/i;

type Candidate = { state: StateCode; matchedBy: 'state code' | 'state name'; end: number; length: number };

function stateCodeCandidates(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const pattern of CODE_PATTERNS) {
    // exec from the start rather than matchAll, which copies the pattern on every call; none matches empty.
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const code = match[1]?.toUpperCase() ?? '';
      if (!isStateCode(code)) continue;
      const end = match.index + match[0].indexOf(match[1] ?? '') + 2;
      found.push({ state: code, matchedBy: 'state code', end, length: 2 });
    }
  }
  return found;
}

// Every state name in one pattern, compiled once, longest first so "West Virginia" is tried before "Virginia".
// One scan finds no overlapping matches, but a name inside a longer one ends where it does, so it never wins.
const STATE_BY_NAME = new Map(
  Object.entries(US_STATES).map(([code, name]) => [name.toLowerCase(), code as StateCode]),
);
const STATE_NAME = new RegExp(
  `\\b(?:${[...STATE_BY_NAME.keys()].sort((a, b) => b.length - a.length).join('|')})\\b`,
  'gi',
);

function stateNameCandidates(text: string): Candidate[] {
  const found: Candidate[] = [];
  STATE_NAME.lastIndex = 0;
  for (let match = STATE_NAME.exec(text); match !== null; match = STATE_NAME.exec(text)) {
    const name = match[0];
    const end = match.index + name.length;
    if (STREET_AFTER.test(text.slice(end))) continue;
    found.push({
      state: STATE_BY_NAME.get(name.toLowerCase())!,
      matchedBy: 'state name',
      end,
      length: name.length,
    });
  }
  return found;
}

/** The candidate ending last; on a tie the longer one ("West Virginia" over "Virginia"). */
function lastCandidate(candidates: Candidate[]): Candidate | undefined {
  return candidates.reduce<Candidate | undefined>((best, next) => {
    if (!best || next.end > best.end || (next.end === best.end && next.length > best.length)) return next;
    return best;
  }, undefined);
}
