import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClaimedMessage, PermanentFailure, type ProcessContext } from '../src/queue/processor.js';
import type { Json } from '../src/queue/types.js';
import type { Simulation } from '../src/quote-options.js';
import { createQuoteProcessor } from '../src/quote-processor.js';
import { STEP_NAMES } from '../src/quotes/provider.js';
import { AS_OF, submissionInput } from './quotes/fixtures.js';

const now = () => AS_OF;

function job(overrides: Partial<ClaimedMessage> = {}, payload: Record<string, unknown> = {}): ClaimedMessage {
  return {
    id: 'msg-1',
    attempt: 1,
    payload: submissionInput(payload) as Json,
    options: null,
    checkpoint: null,
    ...overrides,
  };
}

function context(signal: AbortSignal = new AbortController().signal) {
  const progress: Json[] = [];
  const ctx: ProcessContext = { signal, reportProgress: (value) => progress.push(value) };
  return { ctx, progress };
}

function simulated(simulate: Simulation, attempt = 1): ClaimedMessage {
  return job({ options: { simulate: simulate as Json }, attempt });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the plain path', () => {
  it('returns the decision, premium, reasons and the rating breakdown, with no review for an approval', async () => {
    const { ctx, progress } = context();
    const outcome = await createQuoteProcessor({ now }).process(job(), ctx);
    expect(outcome.review).toEqual({ required: false, reasons: [] });
    expect(outcome.result).toMatchObject({
      decision: 'APPROVED',
      annualPremium: 1_106.88,
      reasons: ['meets every automatic underwriting guideline'],
      basePremium: 875,
    });
    expect(Object.keys(outcome.result as object).sort()).toEqual(
      ['annualPremium', 'basePremium', 'decision', 'factors', 'reasons'].sort(),
    );
    expect((outcome.result as { factors: Json[] }).factors).toHaveLength(7);
    expect(progress).toEqual([]);
  });

  it('requires review of a quote above 1,000,000, for the referral reasons', async () => {
    const outcome = await createQuoteProcessor({ now }).process(
      job({}, { coverageAmount: 1_000_001 }),
      context().ctx,
    );
    expect(outcome.result).toMatchObject({ decision: 'REFERRED' });
    expect(outcome.review).toEqual({
      required: true,
      reasons: ['coverage $1,000,001 is above the $1,000,000 automatic binding authority'],
    });
  });

  it('declines with no premium and no review', async () => {
    const outcome = await createQuoteProcessor({ now }).process(job({}, { priorClaims: 9 }), context().ctx);
    expect(outcome.result).toMatchObject({ decision: 'DECLINED', annualPremium: null });
    expect(outcome.review).toEqual({ required: false, reasons: [] });
  });

  it('fails permanently on a stored payload that is not a valid submission, naming the field: no retry can fix it', async () => {
    const run = createQuoteProcessor({ now }).process(job({}, { coverageAmount: -5 }), context().ctx);
    await expect(run).rejects.toBeInstanceOf(PermanentFailure);
    await expect(run).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/^submission\.coverageAmount: /),
    });
  });

  it('fails permanently on the first attempt when told to (fault injection), and not after', async () => {
    const processor = createQuoteProcessor({ now });
    await expect(
      processor.process(simulated({ failPermanently: true }), context().ctx),
    ).rejects.toBeInstanceOf(PermanentFailure);
    await expect(
      processor.process(simulated({ failPermanently: true }, 2), context().ctx),
    ).resolves.toBeDefined();
  });

  it('screens against the list it is given', async () => {
    const processor = createQuoteProcessor({ now, screeningList: ['Jane Doe'] });
    const plain = await processor.process(job(), context().ctx);
    const agentic = await processor.process(job({ options: { useAgentic: true } }), context().ctx);
    expect(plain.result).toMatchObject({ decision: 'DECLINED' });
    expect(agentic.result).toMatchObject({ decision: 'DECLINED' });
  });
});

describe('the agentic path', () => {
  it('adds the five steps to the result and reports progress as they run', async () => {
    const { ctx, progress } = context();
    const processor = createQuoteProcessor({ now });
    const outcome = await processor.process(
      job({ options: { useAgentic: true } }, { coverageAmount: 2_000_000 }),
      ctx,
    );
    const steps = (outcome.result as { steps: { name: string; status: string }[] }).steps;
    expect(steps.map((step) => [step.name, step.status])).toEqual(STEP_NAMES.map((name) => [name, 'DONE']));
    expect(progress).toHaveLength(10);
    expect(progress.at(-1)).toEqual(steps);
    const plain = await processor.process(job({}, { coverageAmount: 2_000_000 }), context().ctx);
    const { steps: _steps, ...withoutSteps } = outcome.result as Record<string, Json>;
    expect(withoutSteps).toEqual(plain.result);
    expect(outcome.review).toEqual(plain.review);
  });

  it('stops between steps when aborted, with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const ctx: ProcessContext = {
      signal: controller.signal,
      reportProgress: (steps) => {
        if (Array.isArray(steps) && steps.length === 2) controller.abort(reason);
      },
    };
    await expect(
      createQuoteProcessor({ now }).process(job({ options: { useAgentic: true } }), ctx),
    ).rejects.toBe(reason);
  });
});

describe('fault injection', () => {
  it.each([
    [1, 2, 'simulated failure (attempt 1 of 2)'],
    [2, 2, 'simulated failure (attempt 2 of 2)'],
    [3, 2, null],
    [1, 0, null],
  ])('attempt %i with failAttempts %i: %s', async (attempt, failAttempts, error) => {
    const run = createQuoteProcessor({ now }).process(simulated({ failAttempts }, attempt), context().ctx);
    if (error) await expect(run).rejects.toThrow(new Error(error));
    else await expect(run).resolves.toMatchObject({ result: { decision: 'APPROVED' } });
  });

  it('takes processingMs before answering', async () => {
    vi.useFakeTimers();
    let done = false;
    const run = createQuoteProcessor({ now })
      .process(simulated({ processingMs: 5_000 }), context().ctx)
      .then(() => {
        done = true;
      });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await run;
    expect(done).toBe(true);
  });

  it('takes processingMs even on an attempt that fails', async () => {
    vi.useFakeTimers();
    const run = createQuoteProcessor({ now }).process(
      simulated({ processingMs: 5_000, failAttempts: 1 }),
      context().ctx,
    );
    const settled = expect(run).rejects.toThrow('simulated failure (attempt 1 of 1)');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    await settled;
  });

  it('stops processingMs at once when aborted, with the reason and no timer left', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const run = createQuoteProcessor({ now }).process(
      simulated({ processingMs: 60_000 }),
      context(controller.signal).ctx,
    );
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the processing delay', () => {
  it('waits processingDelayMs, and stops at once when aborted', async () => {
    vi.useFakeTimers();
    const processor = createQuoteProcessor({ now, processingDelayMs: 2_000 });
    let done = false;
    const run = processor.process(job(), context().ctx).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await run;

    const controller = new AbortController();
    const reason = new Error('timed out');
    const aborted = processor.process(job(), context(controller.signal).ctx);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the reason when the signal is aborted before processing starts', async () => {
    const reason = new Error('shutting down');
    await expect(
      createQuoteProcessor({ now }).process(job(), context(AbortSignal.abort(reason)).ctx),
    ).rejects.toBe(reason);
  });
});
