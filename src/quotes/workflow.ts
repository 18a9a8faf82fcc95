// The agentic underwriting workflow: five steps run one after another through a provider, each
// recorded with its timing and findings and reported as it starts and ends. It stops between steps
// when the signal aborts, and re-applies the contract's hard rules to whatever the provider decided.
// Each finished step's output is reported in a checkpoint; a run given an earlier run's checkpoint takes the
// steps it holds from there instead of asking the provider again (an outside service is not paid twice).

import type { Context } from '@opentelemetry/api';
import { inSpan, tracingEnabled } from '../tracing/trace.js';
import { BINDING_AUTHORITY_LIMIT } from './compliance.js';
import { abortRace } from './delay.js';
import { deterministicProvider } from './deterministic-provider.js';
import { dollars } from './money.js';
import { STEP_NAMES, type StepName, type StepOutcome, type UnderwritingProvider } from './provider.js';
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
  /**
   * Called with a copy of every step so far, after each step starts and after it ends; after a step finishes
   * (but the last), also with the checkpoint of every finished step (else undefined).
   */
  onProgress?: (steps: StepRecord[], checkpoint?: WorkflowCheckpoint) => void;
  /** An earlier run's last checkpoint (of this submission): its steps are taken from it, not run again. */
  resume?: unknown;
  /** The attempt's trace context, parent of the steps' spans. Default: the active context. */
  trace?: Context;
};

/** The steps finished so far, in order, each with its record and output: JSON-ready, to be stored. */
export type WorkflowCheckpoint = { workflow: 1; steps: { record: StepRecord; output: unknown }[] };

/** The finished steps of a stored checkpoint, in order from the first; none when it is not one. */
function finishedSteps(resume: unknown): WorkflowCheckpoint['steps'] {
  const steps = (resume as Partial<WorkflowCheckpoint> | null | undefined)?.steps;
  if ((resume as Partial<WorkflowCheckpoint> | null)?.workflow !== 1 || !Array.isArray(steps)) return [];
  const usable: WorkflowCheckpoint['steps'] = [];
  for (const [i, s] of steps.entries()) {
    // Stored data: anything unexpected ends the resumable part, and the steps from there run again.
    if (s?.record?.name !== STEP_NAMES[i] || s.record.status !== 'DONE' || s.output === undefined) break;
    usable.push(s);
  }
  return usable;
}

export type WorkflowResult = { rating: Rating; decision: UnderwritingDecision; steps: StepRecord[] };

export async function runUnderwritingWorkflow(
  submission: QuoteSubmission,
  options: WorkflowOptions,
): Promise<WorkflowResult> {
  const { asOf, provider = deterministicProvider, clock = () => new Date(), onProgress } = options;
  const signal = options.signal ?? new AbortController().signal;
  const steps: StepRecord[] = [];
  const earlier = finishedSteps(options.resume);
  const done: WorkflowCheckpoint['steps'] = [];
  // A record is replaced, never changed, once reported, so each report can share the records of the one before.
  const report = (saved?: boolean) =>
    onProgress?.(steps.slice(), saved ? { workflow: 1, steps: done.slice() } : undefined);
  const abort = abortRace(signal);

  async function step<T>(name: StepName, run: () => Promise<StepOutcome<T>>): Promise<T> {
    signal.throwIfAborted();
    const before = earlier[steps.length];
    if (before) {
      // Finished by an earlier run: its record and output stand, and the provider is not asked again.
      steps.push(before.record);
      done.push(before);
      return before.output as T;
    }
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
    let output: T | undefined;
    try {
      // Each step is a span of the attempt's trace when tracing is on.
      const outcome = tracingEnabled()
        ? await inSpan(
            `underwriting ${name}`,
            { 'quote_queue.step': name },
            () => abort.race(run()),
            options.trace,
          )
        : await abort.race(run());
      status = 'DONE';
      findings = outcome.findings;
      output = outcome.output;
      return outcome.output;
    } catch (error) {
      findings = [`failed: ${error instanceof Error ? error.message : String(error)}`];
      throw error;
    } finally {
      const ended = clock();
      steps[at - 1] = {
        name,
        status,
        startedAt,
        finishedAt: ended.toISOString(),
        durationMs: ended.getTime() - started.getTime(),
        findings: [...findings!],
      };
      if (status === 'DONE') done.push({ record: steps[at - 1]!, output });
      // After the last step the run is over and its result stored next, usually in the same write: a checkpoint
      // then (the largest) would cost its encoding for nothing.
      report(status === 'DONE' && done.length < STEP_NAMES.length);
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
