// Pause and resume every worker of the fleet (admins): useful while an outside rating service is down.
import { PauseWorker, ResumeWorker } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { ErrorNote } from '../ui/ErrorNote.js';

export function WorkerControl({ paused }: { paused: boolean }) {
  const pause = useAction(PauseWorker);
  const resume = useAction(ResumeWorker);
  const error = pause.error ?? resume.error;
  return (
    <div className="worker-control">
      <span className={`badge ${paused ? 'status-pending' : 'status-completed'}`}>
        Workers {paused ? 'paused' : 'running'}
      </span>
      <button
        type="button"
        className="secondary small"
        disabled={pause.busy || resume.busy}
        onClick={() => void (paused ? resume.run({}) : pause.run({}))}
      >
        {paused ? 'Resume workers' : 'Pause workers'}
      </button>
      {error ? <ErrorNote error={error} compact /> : null}
    </div>
  );
}
