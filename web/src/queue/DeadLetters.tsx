// Dead letters: messages that failed with no retries left, with their last error and a Retry button
// (admins) that sends one back to the queue with a full retry budget; filtered by priority and error text,
// "Retry all shown" sends back every one the filter matches (retryMessages), not only the page listed.
import { useCallback, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { ListDeadLetters, RetryMessage, RetryMessages } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { summarize } from '../message/payload.js';
import { useWatched } from '../message/watched.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatTime } from '../ui/format.js';
import { useRefreshOnChange } from './useRefreshOnChange.js';

const PRIORITIES = ['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const;

export function DeadLetters() {
  const [priority, setPriority] = useState<'' | (typeof PRIORITIES)[number]>('');
  const [text, setText] = useState('');
  const filter = useMemo(
    () => ({
      priority: priority ? [priority] : null,
      errorContains: text.trim() ? text.trim() : null,
    }),
    [priority, text],
  );
  const [result, reexecute] = useQuery({ query: ListDeadLetters, variables: { filter } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useRefreshOnChange(refresh, (s) => s.deadLetterCount);
  const retry = useAction(RetryMessage);
  const retryAll = useAction(RetryMessages);
  const [retried, setRetried] = useState<number | null>(null);
  const { watch } = useWatched();
  const page = result.data?.deadLetters;

  return (
    <section className="card" aria-labelledby="dead-title">
      <h2 id="dead-title">Dead letters {page ? <span className="count">{page.totalCount}</span> : null}</h2>
      {result.error ? <ErrorNote error={fromCombinedError(result.error)} /> : null}
      <div className="row dead-filter">
        <label>
          Priority{' '}
          <select value={priority} onChange={(e) => setPriority(e.target.value as typeof priority)}>
            <option value="">Any</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p.charAt(0) + p.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Error contains <input value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button
          type="button"
          className="small"
          disabled={retryAll.busy || !page || page.totalCount === 0}
          onClick={() =>
            void retryAll.run({ filter }).then((data) => {
              if (data) {
                setRetried(data.retryMessages);
                refresh();
              }
            })
          }
        >
          Retry all shown{page ? ` (${page.totalCount})` : ''}
        </button>
        <output className="muted small" aria-live="polite">
          {retried !== null ? `Sent back ${retried}.` : ''}
        </output>
      </div>
      {retry.error ? <ErrorNote error={retry.error} /> : null}
      {retryAll.error ? <ErrorNote error={retryAll.error} /> : null}
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
