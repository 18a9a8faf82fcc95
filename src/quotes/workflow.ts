// The agentic underwriting workflow: five steps run one after another through a provider, each
// recorded with its timing and findings and reported as it starts and ends. It stops between steps
// when the signal aborts, and re-applies the contract's hard rules to whatever the provider decided.

import { inSpan, tracingEnabled } from '../tracing/trace.js';
import { BINDING_AUTHORITY_LIMIT } from './compliance.js';
import { abortRace } from './delay.js';
import { deterministicProvider } from './deterministic-provider.js';
import { dollars } from './money.js';
import type { StepName, StepOutcome, UnderwritingProvider } from './provider.js';
import type { Rating } from './rating.js';
import type { UnderwritingDecision } from './rules.js';
import type { QuoteSubmission } from './submission.js';

export type StepStatus = 'RUNNING' | 'DONE' | 'FAILED';

/** One step as reported: JSON-ready, times as ISO-8601 strings; finishedAt and durationMs are null while RUNNING. */
export type StepRecord = {
  name: StepName;
  status: StepStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  findings: string[];
};

export type WorkflowOptions = {
  /** The rating date. */
  asOf: Date;
  /** Default: `deterministicProvider`. */
  provider?: UnderwritingProvider;
  /** Times the steps. Default: the system clock. */
  clock?: () => Date;
  /** Aborts the workflow: it rejects with the signal's reason. Default: never aborted. */
  signal?: AbortSignal;
  /** Called with a copy of every step so far, after each step starts and after it ends. */
  onProgress?: (steps: StepRecord[]) => void;
};

export type WorkflowResult = { rating: Rating; decision: UnderwritingDecision; steps: StepRecord[] };

export async function runUnderwritingWorkflow(
  submission: QuoteSubmission,
  options: WorkflowOptions,
): Promise<WorkflowResult> {
  const { asOf, provider = deterministicProvider, clock = () => new Date(), onProgress } = options;
  const signal = options.signal ?? new AbortController().signal;
  const steps: StepRecord[] = [];
  // A record is replaced, never changed, once reported, so each report can share the records of the one before.
  const report = () => onProgress?.(steps.slice());
  const abort = abortRace(signal);

  async function step<T>(name: StepName, run: () => Promise<StepOutcome<T>>): Promise<T> {
    signal.throwIfAborted();
    const started = clock();
    const startedAt = started.toISOString();
    const at = steps.push({
      name,
      status: 'RUNNING',
      startedAt,
      finishedAt: null,
      durationMs: null,
      findings: [],
    });
    report();
    let status: StepStatus = 'FAILED';
    let findings: string[];
    try {
      // Each step is a span of the attempt's trace when tracing is on.
      const outcome = tracingEnabled()
        ? await inSpan(`underwriting ${name}`, { 'quote_queue.step': name }, () => abort.race(run()))
        : await abort.race(run());
      status = 'DONE';
      findings = outcome.findings;
      return outcome.output;
    } catch (error) {
      findings = [`failed: ${error instanceof Error ? error.message : String(error)}`];
      throw error;
    } finally {
      const finished = clock();
      steps[at - 1] = {
        name,
        status,
        startedAt,
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        findings: [...findings!],
      };
      report();
    }
  }

  try {
    const intakeInput = { submission, asOf };
    const intake = await step('intake', () => provider.intake(intakeInput, signal));
    const riskInput = { ...intakeInput, intake };
    const risk = await step('risk-assessment', () => provider.assessRisk(riskInput, signal));
    const pricingInput = { ...riskInput, risk };
    const rating = await step('pricing', () => provider.price(pricingInput, signal));
    const complianceInput = { ...pricingInput, rating };
    const compliance = await step('compliance', () => provider.checkCompliance(complianceInput, signal));
    const decided = await step('decision', async () => {
      const outcome = await provider.decide({ ...complianceInput, compliance }, signal);
      return enforceContract(submission, outcome);
    });
    signal.throwIfAborted();
    return { rating, decision: decided, steps };
  } finally {
    abort.dispose();
  }
}

/**
 * A provider may be a model that errs; these two rules of the service contract hold whatever it says:
 * coverage above the binding authority is never APPROVED, and a DECLINED quote has no premium.
 */
function enforceContract(
  submission: QuoteSubmission,
  { output, findings }: StepOutcome<UnderwritingDecision>,
): StepOutcome<UnderwritingDecision> {
  if (output.decision === 'DECLINED' && output.annualPremium !== null) {
    return {
      output: { ...output, annualPremium: null },
      findings: [...findings, 'premium removed: a declined quote has none'],
    };
  }
  if (output.decision === 'APPROVED' && submission.coverageAmount > BINDING_AUTHORITY_LIMIT) {
    const reason = `coverage ${dollars(submission.coverageAmount)} is above the ${dollars(BINDING_AUTHORITY_LIMIT)} automatic binding authority`;
    const referred: UnderwritingDecision = {
      ...output,
      decision: 'REFERRED',
      reasons: [reason],
      referralReasons: [...output.referralReasons, reason],
    };
    return { output: referred, findings: [...findings, `overridden to REFERRED: ${reason}`] };
  }
  return { output, findings };
}
