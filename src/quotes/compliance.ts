// Compliance checks a quote must pass before anyone may bind it: sanctions screening of the applicant
// and the limits of automatic binding authority and of the carrier's capacity on one risk.
import type { QuoteSubmission } from './submission.js';

/** Above this coverage no quote binds without a human underwriter (the service contract). */
export const BINDING_AUTHORITY_LIMIT = 1_000_000;
/** Above this coverage the carrier needs facultative reinsurance to write the risk. */
export const PER_RISK_CAPACITY = 10_000_000;

/**
 * Entries standing in for a sanctions feed (such as OFAC's SDN list) so screening runs offline; a
 * deployment passes its own list. The names are invented.
 */
export const DEFAULT_SCREENING_LIST: readonly string[] = [
  'Blocked Person Example',
  'Sanctioned Trading Company',
  'Ivan Embargoed',
];

export type ComplianceReport = {
  /** Screening-list entries the applicant's name matches. */
  screeningHits: string[];
  withinBindingAuthority: boolean;
  withinCapacity: boolean;
};

export function checkCompliance(
  submission: QuoteSubmission,
  screeningList: readonly string[],
): ComplianceReport {
  return {
    screeningHits: screenName(submission.applicantName, screeningList),
    withinBindingAuthority: submission.coverageAmount <= BINDING_AUTHORITY_LIMIT,
    withinCapacity: submission.coverageAmount <= PER_RISK_CAPACITY,
  };
}

/**
 * The entries of `list` that `name` matches, ignoring case, accents, punctuation and word order, so
 * "EMBARGOED, Ivan" matches "Ivan Embargoed". Exact on words: screening must not miss, nor flag everyone.
 */
export function screenName(name: string, list: readonly string[]): string[] {
  const key = nameKey(name);
  return listKeys(list).flatMap((entryKey, i) => (entryKey === key ? [list[i]!] : []));
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

// A list's keys, made once per list (lists are read-only): a process screens every quote against the same one.
const keysOfList = new WeakMap<readonly string[], string[]>();

function listKeys(list: readonly string[]): string[] {
  let keys = keysOfList.get(list);
  if (keys === undefined) {
    keys = list.map(nameKey);
    keysOfList.set(list, keys);
  }
  return keys;
}

function nameKey(name: string): string {
  // Printable ASCII has no accents to strip and is its own NFKD form: most names skip that work.
  const folded = PRINTABLE_ASCII.test(name) ? name : name.normalize('NFKD').replace(/\p{M}/gu, '');
  return folded
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .sort()
    .join(' ');
}
