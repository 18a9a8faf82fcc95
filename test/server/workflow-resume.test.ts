// The agentic workflow resumes from its last finished step on a retry, over the real API on both engines: a
// workflow whose pricing step fails on attempt 1 runs only pricing and the steps after it on attempt 2, and the
// steps before it are not paid for again. The "outside service" is a fake outside the product
// (test/helpers/outside-service.ts): a provider that lists the calls it gets and fails the first pricing call.
import { describe, expect, it } from 'vitest';
import { createQuoteProcessor } from '../../src/quote-processor.js';
import { STEP_NAMES } from '../../src/quotes/provider.js';
import { countingProvider } from '../helpers/outside-service.js';
import { ENGINES } from '../helpers/postgres.js';
import { collectWs, SUBMISSION, serverPerTest } from '../helpers/server.js';

const SUBMIT = /* GraphQL */ `
  mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }
`;
const FOLLOW = /* GraphQL */ `
  subscription Follow($id: ID!) { messageStatus(id: $id) { status retryCount steps { name status } } }
`;
const READ = /* GraphQL */ `
  query Read($id: ID!) {
    queueMessage(id: $id) {
      status retryCount attemptCount
      result { decision annualPremium }
      steps { name status startedAt }
      attempts { attempt outcome error }
      history { kind message { steps { name status } } }
    }
  }
`;

type Step = { name: string; status: string; startedAt?: string };
type Read = {
  queueMessage: {
    status: string;
    retryCount: number;
    attemptCount: number;
    result: { decision: string; annualPremium: number | null };
    steps: Step[];
    attempts: { attempt: number; outcome: string; error: string | null }[];
    history: { kind: string; message: { steps: Step[] | null } }[];
  };
};

describe.each(ENGINES)('the agentic workflow resumes on a retry, on %s', (engine) => {
  const startServer = serverPerTest();

  it('runs only pricing and the steps after it on attempt 2, when pricing failed on attempt 1', async () => {
    const outside = countingProvider(1);
    const t = await startServer(
      { WORKER_CONCURRENCY: '1' },
      { engine, processor: createQuoteProcessor({ provider: outside.provider }) },
    );
    const res = await t.gql<{ submitQuote: { messageId: string } }>(SUBMIT, {
      input: { submission: SUBMISSION, useAgentic: true, maxRetries: 2 },
    });
    expect(res.errors).toBeUndefined();
    const id = res.data!.submitQuote.messageId;
    // The subscription ends once the message is final.
    const seen = await collectWs<{ messageStatus: { status: string } }>(t.ws(), FOLLOW, { id });
    expect(seen.at(-1)?.messageStatus.status).toBe('COMPLETED');

    // Attempt 1: intake, risk-assessment, pricing (failed). Attempt 2: pricing and the steps after it only.
    expect(outside.calls).toEqual([
      'intake',
      'risk-assessment',
      'pricing',
      'pricing',
      'compliance',
      'decision',
    ]);
    const read = (await t.gql<Read>(READ, { id })).data!.queueMessage;
    expect(read).toMatchObject({ status: 'COMPLETED', retryCount: 1, attemptCount: 2 });
    expect(read.attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, 'FAILED', 'rating service unavailable'],
      [2, 'COMPLETED', null],
    ]);
    expect(read.result.decision).toBe('APPROVED');
    expect(read.steps.map((s) => [s.name, s.status])).toEqual(STEP_NAMES.map((n) => [n, 'DONE']));
    expect(read.history.filter((h) => h.kind === 'claimed')).toHaveLength(2);
    // Attempt 2's first progress report already holds intake and risk-assessment DONE, and pricing RUNNING.
    const progress = read.history.filter((h) => h.kind === 'progress').map((h) => h.message.steps);
    const secondAttempt = progress.filter((steps) => steps?.[2]?.status === 'RUNNING');
    expect(secondAttempt.at(-1)?.map((s) => `${s.name}:${s.status}`)).toEqual([
      'intake:DONE',
      'risk-assessment:DONE',
      'pricing:RUNNING',
    ]);
  });
});
