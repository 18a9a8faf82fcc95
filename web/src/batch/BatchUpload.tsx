// Upload a CSV of submissions: says how many rows are valid and why each invalid row is, sends the valid ones as
// one submitQuotes batch, then follows them in a compact live list (BatchList).
import { type ChangeEvent, useState } from 'react';
import { SubmitQuotes } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { BatchList } from './BatchList.js';
import { parseCsv } from './csv.js';
import { type ReadRows, readRows } from './rows.js';

export function BatchUpload() {
  const [file, setFile] = useState<{ name: string; rows: ReadRows } | null>(null);
  const [sent, setSent] = useState<string[] | null>(null);
  const submit = useAction(SubmitQuotes);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    setSent(null);
    submit.clearError();
    if (!chosen) return setFile(null);
    setFile({ name: chosen.name, rows: readRows(parseCsv(await chosen.text())) });
  };

  const send = async () => {
    if (!file || file.rows.valid.length === 0) return;
    const data = await submit.run({ input: file.rows.valid.map((v) => v.input) });
    if (data) setSent(data.submitQuotes.map((s) => s.messageId));
  };

  const rows = file?.rows;
  return (
    <section className="card batch-upload" aria-labelledby="batch-title">
      <h2 id="batch-title">Upload a batch (CSV)</h2>
      <p className="muted small">
        The first row names the columns: applicantName, address, coverageAmount, and any of yearBuilt,
        construction, deductible, priorClaims, squareFeet, roofAge, hasSprinklers, priority, maxRetries,
        timeoutSeconds, runAt, useAgentic, idempotencyKey. Up to 1,000 rows, sent as one batch: all are queued
        or none.
      </p>
      <label className="file">
        CSV file <input type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e)} />
      </label>
      {rows?.error ? (
        <p className="error-text" role="alert">
          {rows.error}
        </p>
      ) : null}
      {rows && !rows.error ? (
        <>
          <p data-batch-summary aria-live="polite">
            <strong data-valid-count={rows.valid.length}>{rows.valid.length} valid</strong>,{' '}
            <span data-invalid-count={rows.invalid.length}>{rows.invalid.length} invalid</span> in {file.name}
          </p>
          {rows.invalid.length > 0 ? (
            <ul className="batch-invalid">
              {rows.invalid.map((r) => (
                <li key={r.line} data-line={r.line}>
                  Row {r.line}: {r.reasons.join('; ')}
                </li>
              ))}
            </ul>
          ) : null}
          {sent === null ? (
            <button
              type="button"
              disabled={submit.busy || rows.valid.length === 0}
              onClick={() => void send()}
            >
              {submit.busy ? 'Sending…' : `Queue ${rows.valid.length} valid quotes`}
            </button>
          ) : null}
        </>
      ) : null}
      {submit.error ? <ErrorNote error={submit.error} /> : null}
      {sent ? <BatchList ids={sent} /> : null}
    </section>
  );
}
