// The agentic workflow's five steps as they run: done, running or failed, with findings and durations.
import type { Message } from '../api/message-fields.js';
import { formatDuration, humanize } from '../ui/format.js';

const ALL_STEPS = ['intake', 'risk-assessment', 'pricing', 'compliance', 'decision'] as const;

type Step = NonNullable<Message['steps']>[number];

export function StepProgress({ steps, running }: { steps: readonly Step[]; running: boolean }) {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const names = [...ALL_STEPS, ...steps.map((s) => s.name).filter((n) => !ALL_STEPS.includes(n as never))];
  const done = steps.filter((s) => s.status === 'DONE').length;
  return (
    <div className="steps">
      <div className="steps-head">
        <span>Agentic workflow</span>
        <progress
          max={names.length}
          value={done}
          aria-label={`Workflow steps done: ${done} of ${names.length}`}
        />
        <span className="muted">
          {done} / {names.length}
        </span>
      </div>
      <ol>
        {names.map((name) => {
          const step = byName.get(name);
          const state = step?.status ?? (running ? 'WAITING' : 'NOT_RUN');
          return (
            <li
              key={name}
              className={`step step-${state.toLowerCase()}`}
              data-step={name}
              data-step-status={state}
            >
              <span className="step-mark" aria-hidden="true">
                {state === 'DONE' ? '✓' : state === 'RUNNING' ? '…' : state === 'FAILED' ? '✕' : '○'}
              </span>
              <span className="step-name">{humanize(name)}</span>
              <span className="muted">
                {state === 'DONE' && step?.durationMs != null
                  ? formatDuration(step.durationMs)
                  : humanize(state)}
              </span>
              {step && step.findings.length > 0 ? (
                <details>
                  <summary>Findings ({step.findings.length})</summary>
                  <ul>
                    {step.findings.map((f) => (
                      <li key={f}>{f}</li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
