// A message's status in words and colour (colour is never the only cue), with its review when one waits.
import type { Message } from '../api/message-fields.js';
import { formatTime } from '../ui/format.js';

const WORDS: Record<string, string> = {
  PENDING: 'Pending',
  PROCESSING: 'Processing',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function StatusBadge({
  message,
}: {
  message: Pick<Message, 'status' | 'review' | 'nextAttemptAt' | 'runAt' | 'startedAt'>;
}) {
  const retrying = message.status === 'PENDING' && message.nextAttemptAt;
  // Never taken yet and not yet due: it waits for its runAt.
  const scheduled =
    message.status === 'PENDING' &&
    !retrying &&
    message.startedAt === null &&
    message.runAt !== null &&
    Date.parse(message.runAt) > Date.now();
  return (
    <span className="badges">
      <span className={`badge status-${message.status.toLowerCase()}`} data-status={message.status}>
        {WORDS[message.status] ?? message.status}
        {retrying ? ' (retry scheduled)' : ''}
        {scheduled ? ' (scheduled)' : ''}
      </span>
      {scheduled ? (
        <span className="badge scheduled" data-scheduled={message.runAt}>
          Runs at <time dateTime={message.runAt ?? undefined}>{formatTime(message.runAt!)}</time>
        </span>
      ) : null}
      {message.review.state === 'PENDING' ? (
        <span className="badge review-pending" data-review="PENDING">
          Awaiting review
        </span>
      ) : null}
      {message.review.state === 'APPROVED' || message.review.state === 'REJECTED' ? (
        <span
          className={`badge review-${message.review.state.toLowerCase()}`}
          data-review={message.review.state}
        >
          Review: {message.review.state === 'APPROVED' ? 'approved' : 'rejected'}
        </span>
      ) : null}
    </span>
  );
}

export function DecisionBadge({ decision }: { decision: string }) {
  return (
    <span className={`badge decision-${decision.toLowerCase()}`} data-decision={decision}>
      {decision.charAt(0) + decision.slice(1).toLowerCase()}
    </span>
  );
}
