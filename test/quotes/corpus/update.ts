// `npm run corpus:update`: regenerates the corpus and writes what today's code makes of it into expected.json.
// Run it only when a change of results is intended, and commit the file with the change that explains it;
// the corpus test (test/quotes/corpus.test.ts) never writes it.
import { generateCorpus } from './generate.js';
import { EXPECTED, rateCorpus, writeCorpusFile } from './rate.js';

const cases = generateCorpus();
const outcomes = await rateCorpus(cases);
writeCorpusFile(cases, outcomes);
const errors = outcomes.filter((o) => 'error' in o).length;
const agentic = cases.filter((c) => c.agentic).length;
console.log(`${EXPECTED}: ${cases.length} cases (${agentic} agentic, ${errors} refused)`);
