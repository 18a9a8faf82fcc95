import { describe, expect, it } from 'vitest';
import { deterministicProvider } from '../../src/quotes/deterministic-provider.js';
import { STEP_NAMES, type UnderwritingProvider } from '../../src/quotes/provider.js';
import { underwrite } from '../../src/quotes/underwrite.js';
import {
  runUnderwritingWorkflow,
  type StepRecord,
  type WorkflowCheckpoint,
} from '../../src/quotes/workflow.js';
import { countingProvider } from '../helpers/outside-service.js';
import { AS_OF, steppingClock, submission } from './fixtures.js';

/** The progress reports as `name:STATUS` of the step each one is about (the last of the list). */
function recordProgress() {
  const reports: StepRecord[][] = [];
  const events = () => reports.map((steps) => `${steps.at(-1)?.name}:${steps.at(-1)?.status}`);
  return { reports, events, onProgress: (steps: StepRecord[]) => reports.push(steps) };
}

describe('the agentic workflow', () => {
  it('runs the five steps in order, each DONE with findings and timings', async () => {
    const { steps } = await runUnderwritingWorkflow(submission({ address: '1 Ocean Dr, Miami, FL 33139' }), {
      asOf: AS_OF,
      clock: steppingClock(7),
    });
    expect(steps.map((step) => step.name)).toEqual([...STEP_NAMES]);
    for (const step of steps) {
      expect(step.status).toBe('DONE');
      expect(step.findings.length).toBeGreaterThan(0);
      expect(step.durationMs).toBe(7);
      expect(Date.parse(step.finishedAt ?? '') - Date.parse(step.startedAt)).toBe(7);
    }
    expect(steps[0]?.startedAt).toBe(AS_OF.toISOString());
    expect(steps[0]?.findings).toContain('property in Florida (FL), recognised by state code');
    expect(steps[1]?.findings[0]).toMatch(/^risk score \d+\/100 \((LOW|MODERATE|HIGH|SEVERE)\)/);
    expect(steps[2]?.findings.at(-1)).toMatch(/^annual premium \$[\d,.]+$/);
    expect(steps[3]?.findings[0]).toMatch(/^sanctions screening: no match/);
    expect(steps[4]?.findings[0]).toBe('decision APPROVED');
  });

  it('reports progress after each step starts and after it ends, in order', async () => {
    const progress = recordProgress();
    await runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      clock: steppingClock(1),
      onProgress: progress.onProgress,
    });
    expect(progress.events()).toEqual(STEP_NAMES.flatMap((name) => [`${name}:RUNNING`, `${name}:DONE`]));
    expect(progress.reports.map((steps) => steps.length)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    const running = progress.reports[0]?.[0];
    expect(running).toMatchObject({ status: 'RUNNING', finishedAt: null, durationMs: null, findings: [] });
  });

  it('reports copies: a later change never rewrites an earlier report', async () => {
    const progress = recordProgress();
    await runUnderwritingWorkflow(submission(), { asOf: AS_OF, onProgress: progress.onProgress });
    expect(progress.reports[0]?.[0]?.status).toBe('RUNNING');
  });

  it.each([
    ['a plain quote', {}],
    ['a large quote', { coverageAmount: 3_000_000 }],
    ['a declined quote', { priorClaims: 6 }],
    [
      'a stacked risk',
      {
        address: 'Miami, FL',
        yearBuilt: 1950,
        construction: 'FRAME',
        priorClaims: 2,
        deductible: 500,
        roofAge: 25,
      },
    ],
    [
      'an inconsistent one',
      { address: '1 Main St, Miami, GA 33101', squareFeet: 100, yearBuilt: 2020, roofAge: 9 },
    ],
  ])('decides %s as the plain path does', async (_what, overrides) => {
    const quote = submission(overrides);
    const plain = underwrite(quote, { asOf: AS_OF });
    const agentic = await runUnderwritingWorkflow(quote, { asOf: AS_OF });
    expect(agentic.decision).toEqual(plain.decision);
    expect(agentic.rating).toEqual(plain.rating);
  });

  it('names in the intake what was not given and what does not add up', async () => {
    const quote = submission({
      address: '1 Main St, Miami, GA 33101',
      squareFeet: 100,
      yearBuilt: 2020,
      roofAge: 9,
    });
    const { steps } = await runUnderwritingWorkflow(quote, { asOf: AS_OF });
    expect(steps[0]?.findings).toEqual([
      'coverage $250,000 requested for Jane Doe',
      'property in Georgia (GA), recognised by state code',
      'ZIP code 33101 is in FL, but the address names GA',
      'not given, rated by default: construction (as FRAME), deductible (as $1,000), priorClaims (as 0), hasSprinklers (as none)',
      'coverage of $2,500 per square foot: implausible (expected $50 to $2,000)',
      'roof age 9 exceeds the age of a building from 2020',
    ]);
  });
});

describe('stopping the workflow', () => {
  it('rejects with the reason when aborted during a step, and runs no later step', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const progress = recordProgress();
    const run = runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      signal: controller.signal,
      onProgress: (steps) => {
        progress.onProgress(steps);
        if (steps.at(-1)?.name === 'pricing' && steps.at(-1)?.status === 'RUNNING') controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(progress.events().slice(-2)).toEqual(['pricing:RUNNING', 'pricing:FAILED']);
    expect(progress.reports.at(-1)?.at(-1)?.findings).toEqual(['failed: cancelled']);
  });

  it('stops waiting for a step that ignores its signal', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out');
    const hanging: UnderwritingProvider = {
      ...deterministicProvider,
      assessRisk: () => new Promise(() => {}),
    };
    const run = runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      provider: hanging,
      signal: controller.signal,
      onProgress: (steps) => {
        // Abort once the hanging step is under way, from outside the workflow's own call stack.
        if (steps.at(-1)?.name === 'risk-assessment') queueMicrotask(() => controller.abort(reason));
      },
    });
    await expect(run).rejects.toBe(reason);
  });

  it('rejects at once, reporting nothing, when already aborted', async () => {
    const reason = new Error('shutting down');
    const progress = recordProgress();
    const run = runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      signal: AbortSignal.abort(reason),
      onProgress: progress.onProgress,
    });
    await expect(run).rejects.toBe(reason);
    expect(progress.reports).toEqual([]);
  });

  it('marks a step that throws FAILED and rejects with its error', async () => {
    const failure = new Error('rating service unavailable');
    const failing: UnderwritingProvider = { ...deterministicProvider, price: () => Promise.reject(failure) };
    const progress = recordProgress();
    const run = runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      provider: failing,
      onProgress: progress.onProgress,
    });
    await expect(run).rejects.toBe(failure);
    expect(progress.reports.at(-1)?.map((step) => step.status)).toEqual(['DONE', 'DONE', 'FAILED']);
  });
});

describe('resuming from an earlier run', () => {
  it('reports a checkpoint after each finished step but the last, holding every step finished so far', async () => {
    const checkpoints: (WorkflowCheckpoint | undefined)[] = [];
    await runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      onProgress: (_steps, checkpoint) => checkpoints.push(checkpoint),
    });
    expect(checkpoints.map((c) => c?.steps.map((s) => s.record.name).join())).toEqual([
      undefined,
      'intake',
      undefined,
      'intake,risk-assessment',
      undefined,
      'intake,risk-assessment,pricing',
      undefined,
      'intake,risk-assessment,pricing,compliance',
      undefined,
      // None after the last step: the run is over and its result stored next.
      undefined,
    ]);
  });

  it('takes the steps a failed run finished from its checkpoint and runs only the rest, to the same result', async () => {
    const { provider, calls } = countingProvider(1);
    let saved: unknown;
    const first = runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      provider,
      // Through JSON, as the queue stores it.
      onProgress: (_steps, checkpoint) => {
        if (checkpoint) saved = JSON.parse(JSON.stringify(checkpoint));
      },
    });
    await expect(first).rejects.toThrow('rating service unavailable');
    expect(calls).toEqual(['intake', 'risk-assessment', 'pricing']);

    calls.length = 0;
    const progress = recordProgress();
    const resumed = await runUnderwritingWorkflow(submission(), {
      asOf: AS_OF,
      provider,
      resume: saved,
      onProgress: progress.onProgress,
    });
    expect(calls).toEqual(['pricing', 'compliance', 'decision']);
    const fresh = await runUnderwritingWorkflow(submission(), { asOf: AS_OF });
    expect(resumed.rating).toEqual(fresh.rating);
    expect(resumed.decision).toEqual(fresh.decision);
    expect(resumed.steps.map((step) => [step.name, step.status])).toEqual(STEP_NAMES.map((n) => [n, 'DONE']));
    // The first report of the resumed run already holds the steps taken from the checkpoint.
    expect(progress.events()[0]).toBe('pricing:RUNNING');
    expect(progress.reports[0]?.length).toBe(3);
  });

  it('runs every step again for a checkpoint that is not one, and from the first step out of order', async () => {
    for (const [resume, expected] of [
      [null, STEP_NAMES.length],
      [{ workflow: 2, steps: [] }, STEP_NAMES.length],
      ['garbage', STEP_NAMES.length],
    ] as const) {
      const { provider, calls } = countingProvider();
      await runUnderwritingWorkflow(submission(), { asOf: AS_OF, provider, resume });
      expect(calls).toHaveLength(expected);
    }
    let saved: WorkflowCheckpoint | undefined;
    await runUnderwritingWorkflow(submission(), { asOf: AS_OF, onProgress: (_s, c) => (saved = c ?? saved) });
    // The second step's record renamed: only the first is taken.
    const broken = structuredClone(saved!);
    broken.steps[1]!.record.name = 'pricing';
    const { provider, calls } = countingProvider();
    await runUnderwritingWorkflow(submission(), { asOf: AS_OF, provider, resume: broken });
    expect(calls).toEqual(STEP_NAMES.slice(1));
  });
});

describe('the contract holds whatever the provider decides', () => {
  it('refers an APPROVED decision above 1,000,000 of coverage', async () => {
    const lenient: UnderwritingProvider = {
      ...deterministicProvider,
      async decide(input, signal) {
        const outcome = await deterministicProvider.decide(input, signal);
        return {
          ...outcome,
          output: { ...outcome.output, decision: 'APPROVED', referralReasons: [], reasons: ['fine'] },
        };
      },
    };
    const { decision, steps } = await runUnderwritingWorkflow(submission({ coverageAmount: 1_500_000 }), {
      asOf: AS_OF,
      provider: lenient,
    });
    expect(decision.decision).toBe('REFERRED');
    expect(decision.referralReasons).toEqual([
      'coverage $1,500,000 is above the $1,000,000 automatic binding authority',
    ]);
    expect(steps[4]?.findings.at(-1)).toMatch(/^overridden to REFERRED/);
  });

  it('removes the premium of a DECLINED decision', async () => {
    const careless: UnderwritingProvider = {
      ...deterministicProvider,
      async decide(input, signal) {
        const outcome = await deterministicProvider.decide(input, signal);
        return { ...outcome, output: { ...outcome.output, decision: 'DECLINED', annualPremium: 99 } };
      },
    };
    const { decision } = await runUnderwritingWorkflow(submission(), { asOf: AS_OF, provider: careless });
    expect(decision).toMatchObject({ decision: 'DECLINED', annualPremium: null });
  });
});
