// A sent batch, one line per message (applicant, status, decision), kept current without polling: re-read in one
// query (queueMessagesByIds) whenever the live queue figures change, at most once a second.
import { useCallback } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { BatchMessages } from '../api/operations.js';
import { summarize } from '../message/payload.js';
import { useRefreshOnChange } from '../queue/useRefreshOnChange.js';
import { ErrorNote } from '../ui/ErrorNote.js';

export function BatchList({ ids }: { ids: string[] }) {
  const [result, reexecute] = useQuery({ query: BatchMessages, variables: { ids } });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useRefreshOnChange(refresh, (s) => [s.pendingCount, s.processingCount, s.completedCount, s.failedCount]);
  const messages = result.data?.queueMessagesByIds ?? [];
  const counts = new Map<string, number>();
  for (const m of messages) if (m) counts.set(m.status, (counts.get(m.status) ?? 0) + 1);

  return (
    <section className="batch-list" aria-label="Sent batch">
      <p className="small" data-batch-sent={ids.length}>
        Sent {ids.length}:{' '}
        {[...counts].map(([status, n]) => (
          <span key={status} className={`badge status-${status.toLowerCase()}`} data-count-status={status}>
            {n} {status.toLowerCase()}
          </span>
        ))}
      </p>
      {result.error ? <ErrorNote error={fromCombinedError(result.error)} /> : null}
      <ol className="compact">
        {messages.map((m, i) =>
          m ? (
            <li key={m.id} data-message-id={m.id} data-status={m.status}>
              <span>{summarize(m.payload).applicantName}</span>{' '}
              <span className={`badge status-${m.status.toLowerCase()}`}>{m.status.toLowerCase()}</span>
              {m.result ? <span className="muted small"> {m.result.decision.toLowerCase()}</span> : null}
            </li>
          ) : (
            <li key={ids[i]} className="muted">
              (not visible)
            </li>
          ),
        )}
      </ol>
    </section>
  );
}
