// One referred quote for a reviewer: what was asked, the price, why it was referred, and approve/reject
// with notes.
import { useId, useState } from 'react';
import type { Message } from '../api/message-fields.js';
import { ReviewQuote } from '../api/operations.js';
import { useAction } from '../api/useAction.js';
import { Premium } from '../message/Premium.js';
import { summarize } from '../message/payload.js';
import { useWatched } from '../message/watched.js';
import { ErrorNote } from '../ui/ErrorNote.js';
import { formatTime, formatWholeMoney } from '../ui/format.js';

export function ReviewItem({ message }: { message: Message }) {
  const [notes, setNotes] = useState('');
  const review = useAction(ReviewQuote);
  const { watch } = useWatched();
  const summary = summarize(message.payload);
  const notesId = useId();
  const decide = (action: 'APPROVE' | 'REJECT') =>
    void review.run({ id: message.id, action, notes: notes.trim() || null });

  return (
    <article
      className="card review-item"
      data-message-id={message.id}
      aria-label={`Review of ${summary.applicantName}`}
    >
      <header>
        <div>
          <h3>{summary.applicantName}</h3>
          <p className="muted small">
            <span className="mono">{message.id}</span>
            {message.completedAt ? ` · referred at ${formatTime(message.completedAt)}` : ''}
          </p>
        </div>
        <button type="button" className="secondary small" onClick={() => watch(message.id, message)}>
          Watch
        </button>
      </header>
      <p className="small">
        {summary.coverageAmount !== null ? `${formatWholeMoney(summary.coverageAmount)} coverage · ` : ''}
        {summary.address}
      </p>
      <div className="review-reasons">
        <strong>Why it needs review</strong>
        <ul className="reasons">
          {message.review.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </div>
      {message.result ? (
        <details>
          <summary>Premium and factors</summary>
          <Premium result={message.result} />
        </details>
      ) : null}
      <label htmlFor={notesId}>Notes (optional, shown with the decision)</label>
      <textarea
        id={notesId}
        rows={2}
        maxLength={2000}
        value={notes}
        onChange={(e) => setNotes(e.target.value)}
      />
      {review.error ? <ErrorNote error={review.error} /> : null}
      <div className="row">
        <button type="button" disabled={review.busy} onClick={() => decide('APPROVE')}>
          Approve
        </button>
        <button type="button" className="danger" disabled={review.busy} onClick={() => decide('REJECT')}>
          Reject
        </button>
      </div>
    </article>
  );
}
