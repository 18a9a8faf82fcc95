// The contract's inputs. Bounds are checked by the queue service and the quote domain, which name the
// field at fault (`input.submission.applicantName: ...`); GraphQL only checks types here.
import { SUBMISSION_LIMITS } from '../quotes/submission.js';
import { builder } from './builder.js';
import { ConstructionType, MessagePriority } from './enums.js';

const L = SUBMISSION_LIMITS;

export const QuoteSubmissionInput = builder.inputType('QuoteSubmissionInput', {
  description:
    'The property and applicant to quote. Optional rating inputs left out are rated with defaults.',
  fields: (t) => ({
    applicantName: t.string({
      required: true,
      description: `Who applies: ${L.applicantName.min} to ${L.applicantName.max} characters after trimming.`,
    }),
    address: t.string({
      required: true,
      description: `The insured property's address, with its US state or ZIP code for the region factor: ${L.address.min} to ${L.address.max} characters after trimming.`,
    }),
    coverageAmount: t.int({
      required: true,
      description: `Insured value in whole US dollars, ${L.coverageAmount.min} to ${L.coverageAmount.max.toLocaleString('en-US')}.`,
    }),
    yearBuilt: t.int({ description: `Year the building was built, ${L.yearBuilt.min} to this year.` }),
    construction: t.field({ type: ConstructionType, description: 'Construction class (default FRAME).' }),
    deductible: t.int({
      description: `Deductible in whole US dollars, ${L.deductible.min} to ${L.deductible.max}, at most coverageAmount (default 1000).`,
    }),
    priorClaims: t.int({
      description: `Claims in the last five years, ${L.priorClaims.min} to ${L.priorClaims.max} (default 0).`,
    }),
    squareFeet: t.int({
      description: `Living area, ${L.squareFeet.min} to ${L.squareFeet.max} square feet.`,
    }),
    roofAge: t.int({ description: `Age of the roof in years, ${L.roofAge.min} to ${L.roofAge.max}.` }),
    hasSprinklers: t.boolean({ description: 'Whether automatic sprinklers are installed.' }),
  }),
});

export const SimulationInput = builder.inputType('SimulationInput', {
  description:
    'Fault injection for tests and demos; refused with FORBIDDEN unless ALLOW_FAULT_INJECTION=true.',
  fields: (t) => ({
    failAttempts: t.int({
      description: "The first N processing attempts of the message's life throw (0..100).",
    }),
    processingMs: t.int({
      description:
        'Each attempt takes this many milliseconds, honouring timeouts and cancellation (0..3600000).',
    }),
    failPermanently: t.boolean({
      description:
        'The first attempt fails permanently, as on bad data found during underwriting: FAILED and dead-lettered at once, no retry spent.',
    }),
  }),
});

export const SubmitQuoteInput = builder.inputType('SubmitQuoteInput', {
  description: 'A quote to queue for processing.',
  fields: (t) => ({
    submission: t.field({ type: QuoteSubmissionInput, required: true, description: 'What to quote.' }),
    useAgentic: t.boolean({
      defaultValue: false,
      description: 'Run the multi-step underwriting workflow, reporting each step as it goes.',
    }),
    priority: t.field({
      type: MessagePriority,
      description: 'Omitted: HIGH for coverage above 500,000 or below 100,000, else NORMAL.',
    }),
    idempotencyKey: t.string({
      description:
        '1 to 200 characters, scoped to the caller: the same key again returns the first message and creates none.',
    }),
    maxRetries: t.int({ defaultValue: 3, description: 'Retries after a failed attempt, 0..10.' }),
    timeoutSeconds: t.int({
      defaultValue: 300,
      description: 'An attempt running longer is aborted and counts as failed, 1..3600.',
    }),
    runAt: t.field({
      type: 'DateTime',
      description:
        'Not taken before this moment, at most 366 days ahead; omitted or past: now. It waits PENDING, counts against MAX_QUEUE_SIZE and can be cancelled.',
    }),
    simulate: t.field({
      type: SimulationInput,
      description: 'Fault injection (ALLOW_FAULT_INJECTION only).',
    }),
  }),
});

export const DeadLetterFilter = builder.inputType('DeadLetterFilter', {
  description: 'Which dead letters: every condition given must hold; none given: all of them.',
  fields: (t) => ({
    priority: t.field({ type: [MessagePriority], description: 'Only these priorities.' }),
    errorContains: t.string({
      description: 'Only those whose last error holds this text, ignoring case (1..500 characters).',
    }),
    failedFrom: t.field({
      type: 'DateTime',
      description: 'Only those dead-lettered at or after this moment.',
    }),
    failedBefore: t.field({ type: 'DateTime', description: 'Only those dead-lettered before this moment.' }),
  }),
});

export const RunQuoteInput = builder.inputType('RunQuoteInput', {
  description: 'A quote to process within the request.',
  fields: (t) => ({
    submission: t.field({ type: QuoteSubmissionInput, required: true, description: 'What to quote.' }),
    useAgentic: t.boolean({
      defaultValue: false,
      description: 'Run the multi-step underwriting workflow.',
    }),
  }),
});
