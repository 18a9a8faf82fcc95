// Model-based test of the queue: random operation sequences against the real SQLite store and the model.
// A failure prints the shrunk scenario (plain JSON): paste it into regressions.test.ts under a name.
// MODEL_RUNS=2000 npx vitest run test/model searches longer than the default.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { scenarioArb } from './ops.js';
import { runScenario } from './run.js';

const RUNS = Number(process.env.MODEL_RUNS ?? 150);
// A guard for a slow or busy machine: the default run stops searching (and passes) past 40 s.
const LIMIT_MS = process.env.MODEL_RUNS ? undefined : 40_000;
const TIMEOUT_MS = process.env.MODEL_RUNS ? 3_600_000 : 120_000;

describe('the queue against its model', () => {
  it(
    'agrees with the model after every step of random sequences, and drains with nothing stuck',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, (scenario) => runScenario(scenario)),
        { numRuns: RUNS, interruptAfterTimeLimit: LIMIT_MS },
      );
    },
    TIMEOUT_MS,
  );
});
