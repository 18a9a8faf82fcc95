// Sends the form: `submitQuote` (queued, Async) or `runQuote` (processed within the request, Sync), then
// watches the message. A BAD_USER_INPUT answer is turned into an error next to the field at fault.
import { useState } from 'react';
import { useMutation } from 'urql';
import { fromCombinedError, type ShownError } from '../api/errors.js';
import { RunQuote, SubmitQuote } from '../api/operations.js';
import { useWatched } from '../message/watched.js';
import { formatTime } from '../ui/format.js';
import { checkQuoteForm, type FieldErrors, type FieldName, type QuoteFormValues } from './validate.js';

export interface SubmitOutcome {
  errors: FieldErrors;
  error: ShownError | null;
  /** A sentence about what was just done, for the live region. */
  done: string | null;
}

const FIELD_NAMES = new Set<string>([
  'applicantName',
  'address',
  'coverageAmount',
  'yearBuilt',
  'construction',
  'deductible',
  'priorClaims',
  'squareFeet',
  'roofAge',
  'hasSprinklers',
  'priority',
  'maxRetries',
  'timeoutSeconds',
  'runAt',
]);

export function useQuoteSubmit() {
  const [submitState, submitQuote] = useMutation(SubmitQuote);
  const [runState, runQuote] = useMutation(RunQuote);
  const { watch } = useWatched();
  const [outcome, setOutcome] = useState<SubmitOutcome>({ errors: {}, error: null, done: null });

  const send = async (values: QuoteFormValues): Promise<boolean> => {
    const checked = checkQuoteForm(values);
    if (!checked.submission) {
      setOutcome({ errors: checked.errors, error: null, done: null });
      return false;
    }
    setOutcome({ errors: {}, error: null, done: null });
    const submission = checked.submission;
    if (values.mode === 'sync') {
      const result = await runQuote({ input: { submission, useAgentic: values.useAgentic } });
      if (result.error || !result.data) return fail(result.error ? fromCombinedError(result.error) : null);
      const message = result.data.runQuote;
      watch(message.id, message);
      setOutcome({
        errors: {},
        error: null,
        done: `Processed: ${message.result?.decision ?? message.status}.`,
      });
      return true;
    }
    const result = await submitQuote({
      input: {
        submission,
        useAgentic: values.useAgentic,
        priority: values.priority || null,
        maxRetries: checked.maxRetries,
        timeoutSeconds: checked.timeoutSeconds,
        runAt: checked.runAt,
      },
    });
    if (result.error || !result.data) return fail(result.error ? fromCombinedError(result.error) : null);
    const payload = result.data.submitQuote;
    watch(payload.messageId, payload.message);
    setOutcome({
      errors: {},
      error: null,
      done: payload.message.runAt
        ? `Scheduled for ${formatTime(payload.message.runAt)}.`
        : `Queued at place ${payload.queuePosition}; expected ${payload.estimatedProcessingTime}.`,
    });
    return true;
  };

  const fail = (error: ShownError | null): false => {
    const shown = error ?? { code: 'INTERNAL_SERVER_ERROR' as const, words: 'No answer from the service.' };
    const field = shown.field && FIELD_NAMES.has(shown.field) ? (shown.field as FieldName) : null;
    const rule = shown.detail?.replace(/^[\w.]+:\s*/, '');
    setOutcome({ errors: field ? { [field]: rule ?? shown.words } : {}, error: shown, done: null });
    return false;
  };

  return { send, outcome, busy: submitState.fetching || runState.fetching };
}
