// Model-based test of the queue: random operation sequences against the real store of each engine and the model.
// A failure prints the shrunk scenario (plain JSON): paste it into regressions.test.ts under a name.
// MODEL_RUNS=2000 npx vitest run test/model searches longer than the default (on each engine).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ENGINES } from '../helpers/postgres.js';
import { scenarioArb } from './ops.js';
import { runScenario } from './run.js';

/**
 * Runs per engine by default. PostgreSQL's are fewer: each step is a round trip to the server and each run opens a
 * schema of its own, so its share of the suite's time stays close to SQLite's.
 */
const DEFAULT_RUNS = { SQLite: 150, PostgreSQL: 50 } as const;
// A guard for a slow or busy machine: the default run stops searching (and passes) past 40 s.
const LIMIT_MS = process.env.MODEL_RUNS ? undefined : 40_000;
const TIMEOUT_MS = process.env.MODEL_RUNS ? 3_600_000 : 120_000;

describe.each(ENGINES)('the queue against its model on %s', (engine) => {
  it(
    'agrees with the model after every step of random sequences, and drains with nothing stuck',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, (scenario) => runScenario(scenario, engine)),
        {
          numRuns: Number(process.env.MODEL_RUNS ?? DEFAULT_RUNS[engine]),
          interruptAfterTimeLimit: LIMIT_MS,
        },
      );
    },
    TIMEOUT_MS,
  );
});
