// One error, in words: the sentence for its code, the server's detail, and the code itself for support.
import type { ShownError } from '../api/errors.js';

export function ErrorNote({ error, compact = false }: { error: ShownError; compact?: boolean }) {
  return (
    <div className={`error-note${compact ? ' compact' : ''}`} role="alert" data-error-code={error.code}>
      <strong>{error.words}</strong>
      {error.detail && !compact ? <span className="detail">{error.detail}</span> : null}
      <code className="code">{error.code}</code>
    </div>
  );
}
