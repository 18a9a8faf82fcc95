// `npm run bench:readme [-- --check]`: writes the tables of bench/results.json into README.md, between markers
// (`<!-- bench:NAME -->` ... `<!-- /bench:NAME -->`), so the front door shows the last run's figures and no
// hand-copied ones; `--check` changes nothing and fails when the README does not show them (the test suite
// checks the same). `npm run bench` runs it after a full run written to the default place.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  anatomyTable,
  queueTable,
  quotesTable,
  type Results,
  runLine,
  serverTable,
  targetsTable,
} from './tables.js';

export const README = new URL('../README.md', import.meta.url).pathname;
export const RESULTS = new URL('./results.json', import.meta.url).pathname;

/** Each marked block's content, rendered from the results. */
const BLOCKS: Record<string, (r: Results) => string> = {
  run: runLine,
  quotes: quotesTable,
  queues: queueTable,
  anatomy: anatomyTable,
  servers: serverTable,
  targets: targetsTable,
};

/** The README with every marked block replaced by the results' rendering; throws if a block is missing. */
export function renderReadme(readme: string, results: Results): string {
  if (results.quick) throw new Error('bench/results.json holds a quick run: the README shows full runs only');
  let out = readme;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const open = `<!-- bench:${name} -->\n`;
    const close = `\n<!-- /bench:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close, start);
    if (start < 0 || end < 0) throw new Error(`README.md has no ${open.trim()} ... ${close.trim()} block`);
    out = out.slice(0, start + open.length) + render(results) + out.slice(end);
  }
  return out;
}

export function readResults(path = RESULTS): Results {
  return JSON.parse(readFileSync(path, 'utf8')) as Results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const readme = readFileSync(README, 'utf8');
  const rendered = renderReadme(readme, readResults());
  if (values.check) {
    if (rendered !== readme) {
      console.error('README.md does not show bench/results.json: run npm run bench:readme');
      process.exit(1);
    }
  } else if (rendered !== readme) {
    writeFileSync(README, rendered);
    console.log('README.md: tables written from bench/results.json');
  }
}
