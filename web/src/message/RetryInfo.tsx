// Retries spent and allowed, when the next attempt is due, and the last error.
import { useEffect, useState } from 'react';
import type { Message } from '../api/message-fields.js';
import { formatRelative, formatTime } from '../ui/format.js';

export function RetryInfo({ message }: { message: Message }) {
  const due = message.status === 'PENDING' ? message.nextAttemptAt : null;
  const now = useTicking(due !== null);
  return (
    <dl className="facts">
      <div>
        <dt>Retries</dt>
        <dd data-retry-count={message.retryCount}>
          {message.retryCount} of {message.maxRetries}
        </dd>
      </div>
      {due ? (
        <div>
          <dt>Next attempt</dt>
          <dd>
            <time dateTime={due}>{formatTime(due)}</time> ({formatRelative(due, now)})
          </dd>
        </div>
      ) : null}
      {message.queuePosition ? (
        <div>
          <dt>Place in line</dt>
          <dd>{message.queuePosition}</dd>
        </div>
      ) : null}
      {message.errorMessage ? (
        <div className="wide">
          <dt>Last error</dt>
          <dd>{message.errorMessage}</dd>
        </div>
      ) : null}
    </dl>
  );
}

/** The time now, re-rendered every second while `on` (for countdowns; no network involved). */
function useTicking(on: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [on]);
  return now;
}
