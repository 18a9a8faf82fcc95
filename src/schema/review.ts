// Review: the human decision on a REFERRED quote.
import type { Review } from '../queue/types.js';
import { builder } from './builder.js';
import { ReviewState } from './enums.js';

export const ReviewRef = builder.objectRef<Review>('Review').implement({
  description: 'Human review of a quote: required when coverage is above 1,000,000 or the rules refer it.',
  fields: (t) => ({
    state: t.field({ type: ReviewState, description: 'Where the review stands.', resolve: (r) => r.state }),
    reasons: t.exposeStringList('reasons', { description: 'Why a review is required.' }),
    reviewer: t.exposeString('reviewer', {
      nullable: true,
      description: 'Who decided (the key name, or its fingerprint).',
    }),
    notes: t.exposeString('notes', { nullable: true, description: "The reviewer's notes." }),
    decidedAt: t.expose('decidedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was decided.',
    }),
  }),
});
