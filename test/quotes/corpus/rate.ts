// Rates the corpus with the quote processor as the worker runs it (deterministic provider, a fixed clock), and
// reads and writes the file of expected outcomes: every premium, factor, reason, decision and agentic step.
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Json } from '../../../src/queue/types.js';
import { createQuoteProcessor } from '../../../src/quote-processor.js';
import { AS_OF } from '../fixtures.js';
import { CORPUS_SEED, type CorpusCase } from './generate.js';

export const EXPECTED = new URL('./expected.json', import.meta.url).pathname;

/** What the processor made of one case: its result and review (and how many progress reports), or its error. */
export type CaseOutcome =
  | { result: Json; review: { required: boolean; reasons: string[] }; progress: number }
  | { error: { code: string | null; message: string } };

export interface CorpusFile {
  seed: number;
  asOf: string;
  cases: (CorpusCase & { outcome: CaseOutcome })[];
}

/** Rates every case in order with one processor, as a worker does. */
export async function rateCorpus(cases: readonly CorpusCase[]): Promise<CaseOutcome[]> {
  const processor = createQuoteProcessor({ now: () => AS_OF });
  const signal = new AbortController().signal;
  const outcomes: CaseOutcome[] = [];
  for (const [i, c] of cases.entries()) {
    let progress = 0;
    const ctx = { signal, reportProgress: () => void progress++ };
    const job = {
      id: `corpus-${i}`,
      attempt: 1,
      payload: c.input as Json,
      options: c.agentic ? { useAgentic: true } : null,
      checkpoint: null,
    };
    try {
      const { result, review } = await processor.process(job, ctx);
      // Through JSON, as the store keeps it: what a client reads back.
      outcomes.push(JSON.parse(JSON.stringify({ result, review, progress })) as CaseOutcome);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      outcomes.push({
        error: { code: typeof code === 'string' ? code : null, message: (error as Error).message },
      });
    }
  }
  return outcomes;
}

/** Indices of the cases whose outcome differs from the expected one. */
export function mismatches(actual: readonly CaseOutcome[], expected: CorpusFile): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.cases.length); i++) {
    if (!isDeepStrictEqual(actual[i], expected.cases[i]?.outcome)) out.push(i);
  }
  return out;
}

export function readCorpusFile(path = EXPECTED): CorpusFile {
  return JSON.parse(readFileSync(path, 'utf8')) as CorpusFile;
}

/** One case a line, so a change of results shows as a diff of the cases it touched. */
export function writeCorpusFile(
  cases: readonly CorpusCase[],
  outcomes: readonly CaseOutcome[],
  path = EXPECTED,
) {
  const lines = cases.map((c, i) => JSON.stringify({ ...c, outcome: outcomes[i] }));
  const head = `{"seed":${CORPUS_SEED},"asOf":${JSON.stringify(AS_OF.toISOString())},"cases":[\n`;
  writeFileSync(path, `${head}${lines.join(',\n')}\n]}\n`);
}
