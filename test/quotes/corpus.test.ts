// Speed work on the quote path must not change a single result: a fixed corpus of generated submissions
// (test/quotes/corpus/generate.ts) is rated and every premium, factor, reason, decision and agentic step is
// compared with expected.json, written by the code of before that work. `npm run corpus:update` rewrites the
// file when a change of results is intended; this test never does.
import { describe, expect, it } from 'vitest';
import { CORPUS_SEED, generateCorpus } from './corpus/generate.js';
import { type CaseOutcome, type CorpusFile, mismatches, rateCorpus, readCorpusFile } from './corpus/rate.js';

const file = readCorpusFile();

describe('the quote corpus', () => {
  it('is the generator output for its seed, plain and agentic, valid and refused', () => {
    expect(file.seed).toBe(CORPUS_SEED);
    expect(file.cases.map(({ input, agentic }) => ({ input, agentic }))).toEqual(generateCorpus());
    const outcomes = file.cases.map((c) => c.outcome);
    const decided = (d: string, agentic: boolean) =>
      file.cases.filter((c) => c.agentic === agentic && 'result' in c.outcome && hasDecision(c.outcome, d));
    for (const agentic of [false, true]) {
      for (const d of ['APPROVED', 'REFERRED', 'DECLINED'])
        expect(decided(d, agentic).length).toBeGreaterThan(50);
    }
    expect(outcomes.filter((o) => 'error' in o).length).toBeGreaterThan(100);
  });

  it('is rated today exactly as expected.json records', async () => {
    const rated = await rateCorpus(file.cases);
    const wrong = mismatches(rated, file);
    if (wrong.length > 0) {
      const first = wrong[0]!;
      expect(rated[first], `case ${first} (and ${wrong.length - 1} more) differ`).toEqual(
        file.cases[first]?.outcome,
      );
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('counts a case as changed when one factor of it changes', () => {
    const changed: CorpusFile = structuredClone(file);
    const i = changed.cases.findIndex((c) => 'result' in c.outcome);
    const result = (changed.cases[i]!.outcome as unknown as { result: { factors: { value: number }[] } })
      .result;
    const original = file.cases.map((c) => c.outcome);
    expect(mismatches(original, changed)).toEqual([]);
    result.factors[3]!.value += 0.01;
    expect(mismatches(original, changed)).toEqual([i]);
  });
});

function hasDecision(outcome: CaseOutcome, decision: string): boolean {
  return 'result' in outcome && (outcome.result as { decision: string }).decision === decision;
}
