// Underwriting alone (`npm run bench -- --only underwriting`): the quote processor the service builds, with no
// queue, store or server around it, called in a loop on the real-quote payloads (bench/quote-payloads.ts);
// microseconds of this process's CPU (every thread: GC included) per plain and per agentic quote.
import type { ClaimedMessage } from '../src/queue/processor.js';
import type { Json } from '../src/queue/types.js';
import { createQuoteProcessor } from '../src/quote-processor.js';
import { type Figure, figureOf } from './figures.js';
import { quotePayload } from './quote-payloads.js';

import { QUOTE_FIGURES } from './tables.js';

export const UNDERWRITING = 'underwriting';

/** Processes `n` quotes one after another; CPU microseconds per quote. */
async function measure(agentic: boolean, n: number): Promise<number> {
  const processor = createQuoteProcessor();
  const ctx = { signal: new AbortController().signal, reportProgress() {} };
  const jobs: ClaimedMessage[] = [];
  for (let i = 0; i < 97; i++) {
    jobs.push({
      id: `q${i}`,
      attempt: 1,
      payload: quotePayload(i) as Json,
      options: agentic ? { useAgentic: true } : null,
      checkpoint: null,
    });
  }
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await processor.process(jobs[i % jobs.length]!, ctx);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

export async function runUnderwriting(quick: boolean, rounds: number): Promise<Figure[]> {
  const n = quick ? 1_000 : 50_000;
  // Warm-up: the JIT's optimised code, not its first tiers, is what a running service executes.
  await measure(false, n / 2);
  await measure(true, n / 10);
  const plain: number[] = [];
  const agentic: number[] = [];
  for (let r = 0; r < rounds; r++) {
    plain.push(await measure(false, n));
    agentic.push(await measure(true, n / 5));
  }
  return [
    figureOf(UNDERWRITING, 'quote-queue', QUOTE_FIGURES.underwritingPlain, 'µs', 'lower', plain, 1),
    figureOf(UNDERWRITING, 'quote-queue', QUOTE_FIGURES.underwritingAgentic, 'µs', 'lower', agentic, 1),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await runUnderwriting(process.argv.includes('--quick'), 3))
    console.log(`${f.metric}: ${f.value} ${f.unit} (rounds ${f.rounds.join(', ')})`);
}
