// Webhooks (admins): the registered endpoints and their recent deliveries with status, attempts, the last
// error and the next try, refreshed as messages end; a failed delivery can be sent again. Hidden for other roles.
import { useCallback } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { ListWebhooks, RedeliverWebhookDelivery } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatTime, shortId } from '../ui/format.js';
import { useRefreshOnChange } from './useRefreshOnChange.js';

export function Webhooks() {
  const [result, reexecute] = useQuery({ query: ListWebhooks });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  // Deliveries are made when messages end or are reviewed: those figures moving is the cue to look again.
  useRefreshOnChange(refresh, (s) => [
    s.completedCount,
    s.failedCount,
    s.cancelledCount,
    s.reviewPendingCount,
  ]);
  const redeliver = useAction(RedeliverWebhookDelivery);
  const forbidden = result.error?.graphQLErrors.some((e) => e.extensions?.code === 'FORBIDDEN');
  if (forbidden) return null;
  const hooks = result.data?.webhooks ?? [];
  const deliveries = result.data?.webhookDeliveries ?? [];
  const urlOf = new Map(hooks.map((h) => [h.id, h.url]));

  return (
    <section className="card" aria-labelledby="webhooks-title">
      <div className="card-title-row">
        <h2 id="webhooks-title">
          Webhooks <span className="count">{hooks.length}</span>
        </h2>
        <button type="button" className="small" onClick={refresh}>
          Refresh
        </button>
      </div>
      {result.error ? <ErrorNote error={fromCombinedError(result.error)} /> : null}
      {redeliver.error ? <ErrorNote error={redeliver.error} /> : null}
      {result.data && hooks.length === 0 ? (
        <p className="muted">
          No endpoints: register one with the createWebhook mutation (docs/webhooks.md).
        </p>
      ) : null}
      <ul className="webhook-list" aria-label="Endpoints">
        {hooks.map((h) => (
          <li key={h.id} data-webhook-id={h.id}>
            <span className="mono">{h.url}</span>{' '}
            <span className="muted small">
              {h.events.join(', ')}
              {h.description ? ` · ${h.description}` : ''}
            </span>
          </li>
        ))}
      </ul>
      {deliveries.length > 0 ? (
        <table className="webhook-deliveries" aria-label="Recent deliveries">
          <thead>
            <tr>
              <th>Event</th>
              <th>Message</th>
              <th>Endpoint</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last error / next try</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-delivery-id={d.id} data-status={d.status}>
                <td>{d.type}</td>
                <td className="mono small">{shortId(d.messageId)}</td>
                <td className="mono small">{urlOf.get(d.webhookId) ?? d.webhookId}</td>
                <td>
                  <span
                    className={`badge status-${d.status === 'DELIVERED' ? 'completed' : d.status.toLowerCase()}`}
                  >
                    {d.status}
                  </span>
                </td>
                <td>{d.attempts}</td>
                <td className="small">
                  {d.lastError ?? ''}
                  {d.status === 'PENDING' && d.nextAttemptAt ? ` next ${formatTime(d.nextAttemptAt)}` : ''}
                  {d.status === 'DELIVERED' && d.deliveredAt ? `delivered ${formatTime(d.deliveredAt)}` : ''}
                </td>
                <td>
                  {d.status === 'FAILED' ? (
                    <button
                      type="button"
                      className="small"
                      disabled={redeliver.busy}
                      onClick={() => void redeliver.run({ id: d.id }).then(refresh)}
                    >
                      Redeliver
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
