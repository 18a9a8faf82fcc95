// The glue between the quote domain and the queue: the processor the worker runs for each message. It validates
// the stored submission, applies the fault injection its options ask for and the configured delay, then underwrites by the plain path or
// the agentic workflow, which resumes from the steps an earlier attempt finished (the message's checkpoint).

import {
  type ClaimedMessage,
  PermanentFailure,
  type ProcessContext,
  type ProcessOutcome,
  type Processor,
} from './queue/processor.js';
import type { Json } from './queue/types.js';
import { quoteOptionsOf, type Simulation } from './quote-options.js';
import { DEFAULT_SCREENING_LIST } from './quotes/compliance.js';
import { delay } from './quotes/delay.js';
import { createDeterministicProvider } from './quotes/deterministic-provider.js';
import { SubmissionError } from './quotes/errors.js';
import type { UnderwritingProvider } from './quotes/provider.js';
import type { Rating } from './quotes/rating.js';
import type { UnderwritingDecision } from './quotes/rules.js';
import { createSubmissionParser } from './quotes/submission.js';
import { underwrite } from './quotes/underwrite.js';
import { runUnderwritingWorkflow, type StepRecord } from './quotes/workflow.js';
import { inSyncSpan, tracingEnabled } from './tracing/trace.js';

export type QuoteProcessorOptions = {
  /** Extra time each quote takes, standing in for a slow outside rating service. Default: 0. */
  processingDelayMs?: number;
  /** Runs the agentic workflow's steps. Default: the deterministic provider with `screeningList`. */
  provider?: UnderwritingProvider;
  /** The clock: rating date and step times. Default: the system clock. */
  now?: () => Date;
  /** Names the applicant is screened against on the plain path and by the default provider. Default: `DEFAULT_SCREENING_LIST`. */
  screeningList?: readonly string[];
};

/**
 * The processor for quote messages. Its result is `{ decision, annualPremium, reasons, basePremium,
 * factors, steps? }` (steps only for agentic quotes); a REFERRED quote requires review for its referral reasons.
 */
export function createQuoteProcessor(options: QuoteProcessorOptions = {}): Processor {
  const now = options.now ?? (() => new Date());
  const screeningList = options.screeningList ?? DEFAULT_SCREENING_LIST;
  const provider = options.provider ?? createDeterministicProvider({ screeningList });
  const processingDelayMs = options.processingDelayMs ?? 0;
  const parseSubmission = createSubmissionParser(now);
  /** A stored submission that no longer passes is bad data: no retry can fix it. */
  const parsedOrPermanent = (payload: Json) => {
    try {
      return parseSubmission(payload);
    } catch (error) {
      if (error instanceof SubmissionError) throw new PermanentFailure(error.message, 'BAD_USER_INPUT');
      throw error;
    }
  };

  return {
    async process(message: ClaimedMessage, ctx: ProcessContext): Promise<ProcessOutcome> {
      const { signal } = ctx;
      signal.throwIfAborted();
      const submission = parsedOrPermanent(message.payload);
      const { useAgentic, simulate: simulation } = quoteOptionsOf(message.options);
      await simulate(simulation, message.attempt, signal);
      if (processingDelayMs > 0) await delay(processingDelayMs, signal);
      signal.throwIfAborted();

      if (!useAgentic) {
        const rate = () => underwrite(submission, { asOf: now(), screeningList });
        // The plain path is one step: a span of the attempt's trace when tracing is on.
        const { rating, decision } = tracingEnabled()
          ? inSyncSpan('underwriting', { 'quote_queue.step': 'underwrite' }, rate, ctx.trace)
          : rate();
        return outcome(decision, rating, null);
      }
      const { rating, decision, steps } = await runUnderwritingWorkflow(submission, {
        asOf: now(),
        provider,
        clock: now,
        signal,
        // The steps an earlier attempt finished are taken from its checkpoint, not run (or paid for) again.
        resume: message.checkpoint,
        onProgress: (progress, checkpoint) => ctx.reportProgress(progress, checkpoint as Json | undefined),
        trace: ctx.trace,
      });
      return outcome(decision, rating, steps);
    },
  };
}

/**
 * Fault injection: the attempt first takes `processingMs` (so even a failing attempt takes its time, as
 * the contract says each attempt does), then the first `failAttempts` attempts of the message's life throw.
 */
async function simulate(simulation: Simulation | null, attempt: number, signal: AbortSignal): Promise<void> {
  const { processingMs, failAttempts, failPermanently } = simulation ?? {};
  if (processingMs !== undefined && processingMs > 0) await delay(processingMs, signal);
  if (failPermanently && attempt === 1) {
    throw new PermanentFailure('simulated permanent failure: bad data found during underwriting');
  }
  if (failAttempts !== undefined && attempt <= failAttempts) {
    throw new Error(`simulated failure (attempt ${attempt} of ${failAttempts})`);
  }
}

function outcome(decision: UnderwritingDecision, rating: Rating, steps: StepRecord[] | null): ProcessOutcome {
  const result: { [key: string]: Json } = {
    decision: decision.decision,
    annualPremium: decision.annualPremium,
    reasons: decision.reasons,
    basePremium: rating.basePremium,
    factors: rating.factors,
  };
  if (steps) result.steps = steps;
  const required = decision.decision === 'REFERRED';
  return { result, review: { required, reasons: required ? decision.referralReasons : [] } };
}
