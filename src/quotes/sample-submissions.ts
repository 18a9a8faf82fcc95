// A fixed cycle of realistic submissions across states, coverage bands and decisions, every optional rating input
// sometimes given, so the underwriting takes its usual paths: the bench workloads store them, the JIT warm-up sends them.

const ADDRESSES = [
  '1 Main St, Austin, TX 78701',
  '123 Main St, Springfield, IL 62704',
  '77 Ocean Drive, Miami Beach, Florida 33139',
  '12 Georgia Ave, Portland, OR 97201',
  '450 Market Street, San Francisco, CA 94105, USA',
  '9 Elm Road, Burlington, Vermont',
  '31 Harbor Way, Boston, MA 02110',
  '5 Prairie Ln, Wichita, KS 67202',
];

/** Submission `n` of the cycle (the API's input shape; `n` numbers it for the subjects that need it). */
export function sampleSubmission(n: number): { [key: string]: string | number | boolean } {
  const i = n % 97;
  const payload: { [key: string]: string | number | boolean } = {
    applicantName: i % 13 === 0 ? 'Ivan Embargoed' : `Applicant ${i}`,
    address: ADDRESSES[i % ADDRESSES.length]!,
    coverageAmount: [85_000, 250_000, 420_000, 750_000, 1_200_000][i % 5]!,
  };
  if (i % 2 === 0) payload.yearBuilt = 1930 + ((i * 7) % 95);
  if (i % 3 === 0)
    payload.construction = ['FRAME', 'MASONRY', 'FIRE_RESISTIVE'][i % 3 === 0 ? (i / 3) % 3 : 0]!;
  if (i % 4 === 0) payload.deductible = [500, 1_000, 2_500, 10_000][(i / 4) % 4]!;
  if (i % 5 === 1) payload.priorClaims = i % 7;
  if (i % 6 === 0) payload.squareFeet = 1_200 + i * 20;
  if (i % 7 === 0) payload.roofAge = i % 40;
  if (i % 8 === 0) payload.hasSprinklers = i % 16 === 0;
  return payload;
}
