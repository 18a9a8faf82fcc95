// What happened to a message, from its stored event log, each with its time (workflow progress events
// are left to the step list). Attempt errors come from the attempt records.
import type { Timeline as TimelineData } from '../api/message-fields.js';
import { formatDateTime, formatTime } from '../ui/format.js';

const WORDS: Record<string, string> = {
  enqueued: 'Queued',
  claimed: 'Attempt started',
  completed: 'Completed',
  'completed-review-pending': 'Completed; referred for human review',
  'retry-scheduled': 'Attempt failed; retry scheduled',
  'dead-lettered': 'Failed; no retries left (dead letter)',
  released: 'Released at shutdown; back in the queue',
  cancelled: 'Cancelled',
  requeued: 'Sent back to the queue (retry)',
  'review-approved': 'Review: approved',
  'review-rejected': 'Review: rejected',
};

export function Timeline({ data }: { data: Partial<TimelineData> & { version: number } }) {
  // The log is read when the version is sent, so it may already hold later changes: show up to this one.
  const events = (data.timeline ?? []).filter((e) => e.kind !== 'progress' && e.version <= data.version);
  const attempts = data.attempts ?? [];
  if (events.length === 0) return null;
  let attempt = 0;
  return (
    <ol className="timeline" aria-label="Timeline">
      {events.map((event) => {
        if (event.kind === 'claimed') attempt++;
        const ended =
          event.kind === 'retry-scheduled' || event.kind === 'dead-lettered' ? attempts[attempt - 1] : null;
        return (
          <li key={event.version} data-kind={event.kind}>
            <time dateTime={event.at} title={formatDateTime(event.at)}>
              {formatTime(event.at)}
            </time>
            <span>
              {WORDS[event.kind] ?? event.kind}
              {event.kind === 'claimed' ? ` (#${attempt})` : ''}
              {ended?.error ? <span className="muted"> — {ended.error}</span> : null}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
