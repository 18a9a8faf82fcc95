// The quote form: required applicant fields, optional rating inputs, Sync/Async and agentic switches,
// queue options for Async. Checks as the server does before sending; shows the server's errors by field.
import { type FormEvent, useState } from 'react';
import { ErrorNote } from '../ui/ErrorNote.js';
import { Field } from './Field.js';
import { useQuoteSubmit } from './useQuoteSubmit.js';
import { CONSTRUCTIONS, EMPTY_FORM, type FieldName, PRIORITIES, type QuoteFormValues } from './validate.js';

type TextField = Exclude<FieldName, 'construction' | 'hasSprinklers' | 'priority' | 'runAt'>;

const CONSTRUCTION_WORDS = {
  FRAME: 'Frame (wood)',
  MASONRY: 'Masonry',
  FIRE_RESISTIVE: 'Fire-resistive',
} as const;

export function QuoteForm() {
  const [values, setValues] = useState<QuoteFormValues>(EMPTY_FORM);
  const { send, outcome, busy } = useQuoteSubmit();
  const errors = outcome.errors;
  const set = <K extends keyof QuoteFormValues>(key: K, value: QuoteFormValues[K]) =>
    setValues((v) => ({ ...v, [key]: value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send(values).then((ok) => {
      if (!ok) {
        // Move focus to the first field at fault, so keyboard and screen-reader users land on it.
        requestAnimationFrame(() =>
          document.querySelector<HTMLElement>('.quote-form [aria-invalid="true"]')?.focus(),
        );
      }
    });
  };

  const text = (
    name: TextField,
    label: string,
    props: { hint?: string; required?: boolean; numeric?: boolean; wide?: boolean } = {},
  ) => (
    <Field label={label} hint={props.hint} error={errors[name]} required={props.required} wide={props.wide}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={name}
          value={values[name]}
          onChange={(e) => set(name, e.target.value)}
          inputMode={props.numeric ? 'numeric' : undefined}
          autoComplete="off"
          aria-describedby={describedBy}
          aria-invalid={invalid}
          aria-required={props.required}
        />
      )}
    </Field>
  );

  return (
    <form className="card quote-form" onSubmit={onSubmit} noValidate aria-labelledby="quote-form-title">
      <h2 id="quote-form-title">New quote</h2>

      <fieldset className="switches">
        <legend className="visually-hidden">How to process</legend>
        <div className="segmented" role="radiogroup" aria-label="Processing">
          {(['async', 'sync'] as const).map((mode) => (
            <label key={mode} className={values.mode === mode ? 'on' : undefined}>
              <input
                type="radio"
                name="mode"
                value={mode}
                checked={values.mode === mode}
                onChange={() => set('mode', mode)}
              />
              {mode === 'async' ? 'Async (queue)' : 'Sync (run now)'}
            </label>
          ))}
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={values.useAgentic}
            onChange={(e) => set('useAgentic', e.target.checked)}
          />
          Agentic workflow (five steps, with progress)
        </label>
      </fieldset>

      <fieldset>
        <legend>Applicant and property</legend>
        <div className="grid">
          {text('applicantName', 'Applicant name', { required: true, wide: true })}
          {text('address', 'Address', {
            required: true,
            wide: true,
            hint: 'Include the state or ZIP code: it sets the region factor.',
          })}
          {text('coverageAmount', 'Coverage (USD)', {
            required: true,
            numeric: true,
            hint: '1 to 50,000,000; above 1,000,000 needs review.',
          })}
        </div>
      </fieldset>

      <fieldset>
        <legend>Rating inputs (optional)</legend>
        <div className="grid">
          {text('yearBuilt', 'Year built', { numeric: true, hint: `1800 to ${new Date().getFullYear()}` })}
          <Field label="Construction" error={errors.construction}>
            {({ id, describedBy, invalid }) => (
              <select
                id={id}
                value={values.construction}
                onChange={(e) => set('construction', e.target.value as QuoteFormValues['construction'])}
                aria-describedby={describedBy}
                aria-invalid={invalid}
              >
                <option value="">Not stated (rated as frame)</option>
                {CONSTRUCTIONS.map((c) => (
                  <option key={c} value={c}>
                    {CONSTRUCTION_WORDS[c]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('deductible', 'Deductible (USD)', { numeric: true, hint: '500 to 100,000; default 1,000' })}
          {text('priorClaims', 'Prior claims (5 years)', { numeric: true, hint: '0 to 20' })}
          {text('squareFeet', 'Square feet', { numeric: true, hint: '100 to 100,000' })}
          {text('roofAge', 'Roof age (years)', { numeric: true, hint: '0 to 100' })}
          <Field label="Sprinklers" error={errors.hasSprinklers}>
            {({ id, describedBy, invalid }) => (
              <select
                id={id}
                value={values.hasSprinklers}
                onChange={(e) => set('hasSprinklers', e.target.value as QuoteFormValues['hasSprinklers'])}
                aria-describedby={describedBy}
                aria-invalid={invalid}
              >
                <option value="">Not stated</option>
                <option value="yes">Yes</option>
                <option value="no">No</option>
              </select>
            )}
          </Field>
        </div>
      </fieldset>

      {values.mode === 'async' ? (
        <details className="queue-options">
          <summary>Queue options</summary>
          <div className="grid">
            <Field label="Priority" error={errors.priority}>
              {({ id, describedBy }) => (
                <select
                  id={id}
                  value={values.priority}
                  onChange={(e) => set('priority', e.target.value as QuoteFormValues['priority'])}
                  aria-describedby={describedBy}
                >
                  <option value="">Automatic (by coverage)</option>
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>
                      {p.charAt(0) + p.slice(1).toLowerCase()}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {text('maxRetries', 'Max retries', { numeric: true, hint: '0 to 10' })}
            {text('timeoutSeconds', 'Timeout (seconds)', { numeric: true, hint: '1 to 3600 per attempt' })}
            <Field
              label="Run at (optional)"
              hint="Not taken before then; at most 366 days ahead. Empty: now."
              error={errors.runAt}
            >
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  name="runAt"
                  type="datetime-local"
                  value={values.runAt}
                  onChange={(e) => set('runAt', e.target.value)}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                />
              )}
            </Field>
          </div>
        </details>
      ) : null}

      {outcome.error ? <ErrorNote error={outcome.error} /> : null}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : values.mode === 'async' ? 'Queue quote' : 'Run quote now'}
        </button>
        <button type="button" className="secondary" onClick={() => setValues(EMPTY_FORM)}>
          Clear
        </button>
        <output className="muted small" aria-live="polite">
          {outcome.done}
        </output>
      </div>
    </form>
  );
}
