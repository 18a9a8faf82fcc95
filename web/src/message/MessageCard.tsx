// One watched message, live: status, retries, workflow steps, premium, review and timeline, with cancel.

import { fromGraphQLError } from '../api/errors.js';
import type { Message } from '../api/message-fields.js';
import { CancelMessage } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { useLiveMessage } from '../live/useLiveMessage.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatDateTime, formatTime, formatWholeMoney } from '../ui/format.js';
import { Premium } from './Premium.js';
import { summarize } from './payload.js';
import { RetryInfo } from './RetryInfo.js';
import { StatusBadge } from './StatusBadge.js';
import { StepProgress } from './StepProgress.js';
import { Timeline } from './Timeline.js';

const MODE_WORDS = { ws: 'live (WebSocket)', sse: 'live (SSE)', poll: 'polling' } as const;

export function MessageCard({
  id,
  initial,
  onClose,
}: {
  id: string;
  initial?: Message;
  onClose: () => void;
}) {
  const { message, error, mode } = useLiveMessage(id, initial);
  const cancel = useAction(CancelMessage);
  const summary = message ? summarize(message.payload) : null;
  const fatal = error?.fatal ? fromGraphQLError(error.error) : null;

  return (
    <article
      className="card message"
      data-message-id={id}
      data-status={message?.status ?? 'UNKNOWN'}
      data-version={message?.version ?? 0}
      aria-label={`Quote for ${summary?.applicantName ?? id}`}
    >
      <header>
        <div>
          <h3>{summary?.applicantName ?? 'Loading…'}</h3>
          <p className="muted small">
            <span className="mono" title={id}>
              {id}
            </span>
            {message ? ` · ${message.priority} · v${message.version}` : ''}
            {message?.useAgentic ? ' · agentic' : ''}
          </p>
        </div>
        <div className="card-actions">
          {message ? <StatusBadge message={message} /> : null}
          <button type="button" className="icon" onClick={onClose} aria-label={`Stop watching ${id}`}>
            ×
          </button>
        </div>
      </header>

      {fatal ? <ErrorNote error={fatal} /> : null}
      {error && !error.fatal ? (
        <p className="muted small" role="status">
          Connection interrupted; resuming without losing updates…
        </p>
      ) : null}

      {message && summary ? (
        <>
          <p className="small">
            {summary.coverageAmount !== null ? `${formatWholeMoney(summary.coverageAmount)} coverage · ` : ''}
            {summary.address}
          </p>
          <p className="muted small">
            Created <time dateTime={message.createdAt}>{formatDateTime(message.createdAt)}</time>
            {message.completedAt ? (
              <>
                {' '}
                · ended <time dateTime={message.completedAt}>{formatTime(message.completedAt)}</time>
              </>
            ) : null}
            {mode ? ` · ${MODE_WORDS[mode]}` : ''}
          </p>
          <RetryInfo message={message} />
          {message.steps ? (
            <StepProgress steps={message.steps} running={message.status === 'PROCESSING'} />
          ) : null}
          {message.result ? <Premium result={message.result} /> : null}
          <ReviewSummary review={message.review} />
          {(message.status === 'PENDING' || message.status === 'PROCESSING') && (
            <div className="row">
              <button
                type="button"
                className="secondary"
                disabled={cancel.busy}
                onClick={() => void cancel.run({ id })}
              >
                Cancel
              </button>
            </div>
          )}
          {cancel.error ? <ErrorNote error={cancel.error} /> : null}
          <details className="timeline-box" open={message.status !== 'COMPLETED'}>
            <summary>Timeline</summary>
            <Timeline data={message} />
          </details>
        </>
      ) : null}
    </article>
  );
}

function ReviewSummary({ review }: { review: Message['review'] }) {
  if (review.state === 'NOT_REQUIRED') return null;
  return (
    <div className={`review-box review-${review.state.toLowerCase()}`}>
      <strong>
        {review.state === 'PENDING' ? 'Waiting for a reviewer' : `Review ${review.state.toLowerCase()}`}
      </strong>
      {review.reviewer ? ` by ${review.reviewer}` : ''}
      {review.decidedAt ? ` at ${formatTime(review.decidedAt)}` : ''}
      {review.notes ? <p className="notes">“{review.notes}”</p> : null}
      {review.state === 'PENDING' && review.reasons.length > 0 ? (
        <ul className="reasons">
          {review.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
