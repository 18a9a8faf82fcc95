// The fleet (admins): every live process on the database with its host, pid, role, concurrency, running
// attempts and last heartbeat, re-read every 2 seconds. Hidden for keys that may not list it.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { fromCombinedError } from '../api/errors.js';
import { ListWorkers } from '../api/operations.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatRelative } from '../ui/format.js';

const REFRESH_MS = 2000;

export function Workers() {
  const [result, reexecute] = useQuery({ query: ListWorkers, requestPolicy: 'network-only' });
  useEffect(() => {
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reexecute]);
  const error = result.error ? fromCombinedError(result.error) : null;
  if (error?.code === 'FORBIDDEN') return null;
  const list = result.data?.workers;

  return (
    <section className="card" aria-labelledby="workers-title">
      <h2 id="workers-title">Processes {list ? <span className="count">{list.length}</span> : null}</h2>
      {error ? <ErrorNote error={error} /> : null}
      <div className="table-wrap">
        <table className="list" data-table="workers">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col" className="num">
                PID
              </th>
              <th scope="col">Role</th>
              <th scope="col" className="num">
                Running
              </th>
              <th scope="col">Last heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {list?.map((p) => (
              <tr key={p.id} data-process-id={p.id} data-pid={p.pid}>
                <td className="mono">{p.host}</td>
                <td className="num">{p.pid}</td>
                <td>
                  {[p.api ? 'API' : null, p.concurrency > 0 ? 'worker' : null].filter(Boolean).join(' + ')}
                </td>
                <td className="num" data-running={p.running}>
                  {p.concurrency > 0 ? `${p.running} of ${p.concurrency}` : p.running}
                </td>
                <td>{formatRelative(p.lastHeartbeat)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
