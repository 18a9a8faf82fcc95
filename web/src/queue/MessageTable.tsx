// Messages newest first, filtered by status and priority, refreshed when the queue changes; each can be
// watched live, and PENDING or PROCESSING ones cancelled.
import { useCallback, useState } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { CancelMessage, ListMessages } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { summarize } from '../message/payload.js';
import { StatusBadge } from '../message/StatusBadge.js';
import { useWatched } from '../message/watched.js';
import { PRIORITIES } from '../quote/validate.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatTime, formatWholeMoney } from '../ui/format.js';
import { useRefreshOnChange } from './useRefreshOnChange.js';

const STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
type Status = (typeof STATUSES)[number];
type Priority = (typeof PRIORITIES)[number];

export function MessageTable() {
  const [statuses, setStatuses] = useState<Status[]>([]);
  const [priorities, setPriorities] = useState<Priority[]>([]);
  const [result, reexecute] = useQuery({
    query: ListMessages,
    variables: {
      status: statuses.length ? statuses : null,
      priority: priorities.length ? priorities : null,
      first: 50,
    },
  });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useRefreshOnChange(refresh, (s) => [
    s.pendingCount,
    s.processingCount,
    s.completedCount,
    s.failedCount,
    s.cancelledCount,
    s.reviewPendingCount,
  ]);
  const cancel = useAction(CancelMessage);
  const { watch } = useWatched();
  const page = result.data?.queueMessages;

  return (
    <section className="card" aria-labelledby="messages-title">
      <h2 id="messages-title">Messages</h2>
      <div className="filters">
        <Toggles legend="Status" options={STATUSES} chosen={statuses} onChange={setStatuses} />
        <Toggles legend="Priority" options={PRIORITIES} chosen={priorities} onChange={setPriorities} />
      </div>
      {result.error ? <ErrorNote error={fromCombinedError(result.error)} /> : null}
      {cancel.error ? <ErrorNote error={cancel.error} /> : null}
      <p className="muted small" aria-live="polite">
        {page
          ? `${page.totalCount} matching${page.totalCount > page.nodes.length ? `, newest ${page.nodes.length} shown` : ''}`
          : 'Loading…'}
      </p>
      <div className="table-wrap">
        <table className="list" data-table="messages">
          <thead>
            <tr>
              <th scope="col">Applicant</th>
              <th scope="col">Status</th>
              <th scope="col">Priority</th>
              <th scope="col" className="num">
                Coverage
              </th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page?.nodes.map((m) => {
              const summary = summarize(m.payload);
              return (
                <tr key={m.id} data-message-id={m.id} data-status={m.status}>
                  <td>
                    {summary.applicantName}
                    <div className="muted small mono">{m.id}</div>
                  </td>
                  <td>
                    <StatusBadge message={m} />
                  </td>
                  <td>{m.priority}</td>
                  <td className="num">
                    {summary.coverageAmount !== null ? formatWholeMoney(summary.coverageAmount) : ''}
                  </td>
                  <td>
                    <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
                  </td>
                  <td className="actions">
                    <button type="button" className="secondary small" onClick={() => watch(m.id, m)}>
                      Watch
                    </button>
                    {m.status === 'PENDING' || m.status === 'PROCESSING' ? (
                      <button
                        type="button"
                        className="danger small"
                        disabled={cancel.busy}
                        onClick={() => void cancel.run({ id: m.id })}
                      >
                        Cancel
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Toggles<T extends string>(props: {
  legend: string;
  options: readonly T[];
  chosen: T[];
  onChange: (chosen: T[]) => void;
}) {
  const { options, chosen, onChange } = props;
  return (
    <fieldset className="toggles">
      <legend>{props.legend}</legend>
      {options.map((option) => (
        <label key={option} className={chosen.includes(option) ? 'on' : undefined}>
          <input
            type="checkbox"
            checked={chosen.includes(option)}
            onChange={(e) =>
              onChange(e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option))
            }
          />
          {option.charAt(0) + option.slice(1).toLowerCase()}
        </label>
      ))}
    </fieldset>
  );
}
