// The contract's enums, plus ConstructionType for the optional rating input.
import type { ERROR_CODES } from '../queue/errors.js';
import { PRIORITIES, STATUSES } from '../queue/types.js';
import { CONSTRUCTION_TYPES } from '../quotes/submission.js';
import { builder } from './builder.js';

const PRIORITY_WORDS = {
  URGENT: 'Taken before everything else (rank 4).',
  HIGH: 'Rank 3: large or unusually small coverage is HIGH when no priority is given.',
  NORMAL: 'Rank 2: the usual priority.',
  LOW: 'Rank 1: taken when nothing more urgent waits.',
} as const;

export const MessagePriority = builder.enumType('MessagePriority', {
  description: 'How urgently a message is taken: highest first, oldest first within a priority.',
  values: Object.fromEntries(
    (Object.keys(PRIORITIES) as (keyof typeof PRIORITIES)[]).map((p) => [
      p,
      { value: p, description: PRIORITY_WORDS[p] },
    ]),
  ) as Record<keyof typeof PRIORITIES, { value: keyof typeof PRIORITIES; description: string }>,
});

const STATUS_WORDS: Record<(typeof STATUSES)[number], string> = {
  PENDING: 'Waiting to be taken (a retry waits for its nextAttemptAt, a scheduled submission for its runAt).',
  PROCESSING: 'An attempt is running.',
  COMPLETED: 'Processed; the result is set.',
  FAILED: 'Every attempt failed and no retries are left (dead-lettered).',
  CANCELLED: 'Cancelled before it finished.',
};

export const QueueStatus = builder.enumType('QueueStatus', {
  description: 'Where a message is in its life.',
  values: Object.fromEntries(STATUSES.map((s) => [s, { value: s, description: STATUS_WORDS[s] }])) as Record<
    (typeof STATUSES)[number],
    { value: (typeof STATUSES)[number]; description: string }
  >,
});

export const UnderwritingDecision = builder.enumType('UnderwritingDecision', {
  description: 'What underwriting decided about a quote.',
  values: {
    APPROVED: { value: 'APPROVED', description: 'Quoted and bindable as priced.' },
    REFERRED: { value: 'REFERRED', description: 'Priced, but a human underwriter must review it.' },
    DECLINED: { value: 'DECLINED', description: 'Not offered; there is no premium.' },
  } as const,
});

export const ReviewState = builder.enumType('ReviewState', {
  description: 'Whether a quote waits for, or had, a human review.',
  values: {
    NOT_REQUIRED: { value: 'NOT_REQUIRED', description: 'No review is needed.' },
    PENDING: { value: 'PENDING', description: 'Waiting for a reviewer or an admin (reviewQuote).' },
    APPROVED: { value: 'APPROVED', description: 'A reviewer approved the quote.' },
    REJECTED: { value: 'REJECTED', description: 'A reviewer rejected the quote.' },
  } as const,
});

export const ReviewAction = builder.enumType('ReviewAction', {
  description: "A reviewer's answer to a quote waiting for review.",
  values: {
    APPROVE: { value: 'APPROVE', description: 'Accept the referred quote.' },
    REJECT: { value: 'REJECT', description: 'Refuse the referred quote.' },
  } as const,
});

const CONSTRUCTION_WORDS: Record<(typeof CONSTRUCTION_TYPES)[number], string> = {
  FRAME: 'Wood frame: burns most readily (rated highest).',
  MASONRY: 'Brick, block or stone walls.',
  FIRE_RESISTIVE: 'Concrete and steel: rated lowest.',
};

export const ConstructionType = builder.enumType('ConstructionType', {
  description: 'Construction class of the building, simplified from the ISO fire classes.',
  values: Object.fromEntries(
    CONSTRUCTION_TYPES.map((c) => [c, { value: c, description: CONSTRUCTION_WORDS[c] }]),
  ) as Record<
    (typeof CONSTRUCTION_TYPES)[number],
    { value: (typeof CONSTRUCTION_TYPES)[number]; description: string }
  >,
});

const ERROR_WORDS: Record<(typeof ERROR_CODES)[number] | 'INTERNAL_SERVER_ERROR', string> = {
  BAD_USER_INPUT:
    'The request is not valid: input, syntax, a document over a limit; the message names the field and the rule.',
  QUEUE_FULL: 'A capacity limit is reached (extensions.scope: "queue" or "owner"); nothing was created.',
  NOT_FOUND: "No such message, or another key's.",
  INVALID_STATE: 'The action does not apply to the message as it stands now.',
  UNAUTHENTICATED: 'A valid API key is needed.',
  FORBIDDEN: "The key's role does not allow the action.",
  RATE_LIMITED: "Over the key's request budget; try again after a moment.",
  STORAGE_UNAVAILABLE: 'The database cannot take writes now; nothing was changed.',
  INTERNAL_SERVER_ERROR: 'Unexpected, masked and logged: no details reach the client.',
};

/**
 * The closed set of `extensions.code` values an error may carry. No field returns it: it is in the schema so
 * that typed clients read the list from `schema.graphql` instead of keeping a copy.
 */
export const ErrorCode = builder.enumType('ErrorCode', {
  description:
    'Every value of `extensions.code` an error of this API may carry (no field returns it; it is here for typed clients).',
  values: Object.fromEntries(
    (Object.keys(ERROR_WORDS) as (keyof typeof ERROR_WORDS)[]).map((c) => [
      c,
      { value: c, description: ERROR_WORDS[c] },
    ]),
  ) as Record<keyof typeof ERROR_WORDS, { value: keyof typeof ERROR_WORDS; description: string }>,
});
