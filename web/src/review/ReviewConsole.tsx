// The reviewers' view: quotes referred for a human decision, newest first, refreshed as they arrive or
// are decided (by anyone) through the live queue figures.
import { useCallback } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { ListReviewQueue } from '../api/operations.js';
import { useRefreshOnChange } from '../queue/useRefreshOnChange.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { ReviewItem } from './ReviewItem.js';

export function ReviewConsole() {
  const [result, reexecute] = useQuery({ query: ListReviewQueue });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useRefreshOnChange(refresh, (s) => [s.reviewPendingCount, s.completedCount]);
  const page = result.data?.reviewQueue;
  return (
    <section aria-labelledby="review-title" className="review-console">
      <h2 id="review-title">
        Awaiting review {page ? <span className="count">{page.totalCount}</span> : null}
      </h2>
      {result.error ? <ErrorNote error={fromCombinedError(result.error)} /> : null}
      {page && page.nodes.length === 0 ? (
        <p className="muted card">Nothing waits for review. Referred quotes appear here as they complete.</p>
      ) : null}
      <div className="review-grid">
        {page?.nodes.map((m) => (
          <ReviewItem key={m.id} message={m} />
        ))}
      </div>
    </section>
  );
}
