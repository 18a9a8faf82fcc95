// `npm run bench:readme [-- --check]`: writes the tables of bench/results.json into the pages that show them,
// between markers (`<!-- bench:NAME -->` ... `<!-- /bench:NAME -->`): the README's headline figures and
// bench/README.md's full tables, so no page carries hand-copied figures; `--check` changes nothing and fails
// when a page does not show them (the test suite checks the same). `npm run bench` runs it after a full run.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  anatomyTable,
  coresTable,
  fleetTable,
  headlineTable,
  postgresTable,
  queueTable,
  quotesTable,
  type Results,
  runLine,
  serverTable,
  targetsTable,
} from './tables.js';

export const README = new URL('../README.md', import.meta.url).pathname;
export const BENCH_README = new URL('./README.md', import.meta.url).pathname;
export const RESULTS = new URL('./results.json', import.meta.url).pathname;

type Blocks = Record<string, (r: Results) => string>;

/** Each page that shows figures, with its marked blocks' renderings. */
export const PAGES: { path: string; blocks: Blocks }[] = [
  { path: README, blocks: { run: runLine, headline: headlineTable } },
  {
    path: BENCH_README,
    blocks: {
      run: runLine,
      quotes: quotesTable,
      queues: queueTable,
      anatomy: anatomyTable,
      postgres: postgresTable,
      fleet: fleetTable,
      servers: serverTable,
      cores: coresTable,
      targets: targetsTable,
    },
  },
];

/** The page with every marked block replaced by the results' rendering; throws if a block is missing. */
export function renderPage(page: string, results: Results, blocks: Blocks): string {
  if (results.quick) throw new Error('bench/results.json holds a quick run: the pages show full runs only');
  let out = page;
  for (const [name, render] of Object.entries(blocks)) {
    const open = `<!-- bench:${name} -->\n`;
    const close = `\n<!-- /bench:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close, start);
    if (start < 0 || end < 0) throw new Error(`page has no ${open.trim()} ... ${close.trim()} block`);
    out = out.slice(0, start + open.length) + render(results) + out.slice(end);
  }
  return out;
}

/** Writes every page from the results; returns the paths it changed. */
export function writePages(results: Results): string[] {
  const changed: string[] = [];
  for (const { path, blocks } of PAGES) {
    const page = readFileSync(path, 'utf8');
    const rendered = renderPage(page, results, blocks);
    if (rendered !== page) {
      writeFileSync(path, rendered);
      changed.push(path);
    }
  }
  return changed;
}

export function readResults(path = RESULTS): Results {
  return JSON.parse(readFileSync(path, 'utf8')) as Results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const results = readResults();
  if (values.check) {
    const stale = PAGES.filter(
      ({ path, blocks }) =>
        renderPage(readFileSync(path, 'utf8'), results, blocks) !== readFileSync(path, 'utf8'),
    );
    if (stale.length > 0) {
      console.error(
        `${stale.map((p) => p.path).join(', ')}: not showing bench/results.json; run npm run bench:readme`,
      );
      process.exit(1);
    }
  } else {
    for (const path of writePages(results)) console.log(`${path}: tables written from bench/results.json`);
  }
}
