// The API key input in the header: a password field, applied on Enter or "Use key", kept for this tab only.
import { type FormEvent, useId, useState } from 'react';

export function ApiKeyField({ apiKey, onChange }: { apiKey: string; onChange: (key: string) => void }) {
  const [draft, setDraft] = useState(apiKey);
  const id = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(draft);
  };
  return (
    <form className="api-key" onSubmit={submit} aria-label="Authentication">
      <label htmlFor={id}>API key</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="none (open mode)"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        aria-describedby={`${id}-hint`}
      />
      <button type="submit">{draft.trim() === apiKey ? 'Key in use' : 'Use key'}</button>
      <span id={`${id}-hint`} className="visually-hidden">
        Kept in this browser tab only (session storage) and sent as a Bearer token.
      </span>
    </form>
  );
}
