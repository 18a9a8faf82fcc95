// A mutation behind a button: runs it, remembers the error in words, and says when it is busy.
import { useCallback, useState } from 'react';
import { type AnyVariables, type DocumentInput, useMutation } from 'urql';
import { fromCombinedError, type ShownError } from './errors.js';

export function useAction<Data, Variables extends AnyVariables>(document: DocumentInput<Data, Variables>) {
  const [state, execute] = useMutation<Data, Variables>(document);
  const [error, setError] = useState<ShownError | null>(null);
  const run = useCallback(
    async (variables: Variables): Promise<Data | null> => {
      setError(null);
      const result = await execute(variables);
      if (result.error) {
        setError(fromCombinedError(result.error));
        return null;
      }
      return result.data ?? null;
    },
    [execute],
  );
  return { run, busy: state.fetching, error, clearError: () => setError(null) };
}
