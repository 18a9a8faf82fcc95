// Dead letters: messages that failed with no retries left, with their last error and a Retry button
// (admins) that sends one back to the queue with a full retry budget.
import { useCallback } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { ListDeadLetters, RetryMessage } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { summarize } from '../message/payload.js';
import { useWatched } from '../message/watched.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatTime } from '../ui/format.js';
import { useRefreshOnChange } from './useRefreshOnChange.js';

export function DeadLetters() {
  const [result, reexecute] = useQuery({ query: ListDeadLetters });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useRefreshOnChange(refresh, (s) => s.deadLetterCount);
  const retry = useAction(RetryMessage);
  const { watch } = useWatched();
  const page = result.data?.deadLetters;

  return (
    <section className="card" aria-labelledby="dead-title">
      <h2 id="dead-title">Dead letters {page ? <span className="count">{page.totalCount}</span> : null}</h2>
      {result.error ? <ErrorNote error={fromCombinedError(result.error)} /> : null}
      {retry.error ? <ErrorNote error={retry.error} /> : null}
      {page && page.nodes.length === 0 ? (
        <p className="muted">None: every message either finished or is still trying.</p>
      ) : null}
      <ul className="dead-list">
        {page?.nodes.map((m) => (
          <li key={m.id} data-message-id={m.id}>
            <div>
              <strong>{summarize(m.payload).applicantName}</strong>{' '}
              <span className="muted small mono">{m.id}</span>
              <div className="small">
                Failed {m.completedAt ? `at ${formatTime(m.completedAt)} ` : ''}after {m.attemptCount}{' '}
                attempts
                {m.errorMessage ? `: ${m.errorMessage}` : ''}
              </div>
            </div>
            <div className="actions">
              <button
                type="button"
                className="small"
                disabled={retry.busy}
                onClick={() =>
                  void retry.run({ id: m.id }).then((message) => {
                    if (message) watch(m.id, message.retryMessage);
                  })
                }
              >
                Retry
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
