// `npm run bench [-- --quick]`: runs the workloads side by side, prints a table, writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runDepth } from './depth.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
  },
});
const quick = values.quick ?? false;

interface Figure {
  workload: string;
  subject: string;
  metric: string;
  value: number;
  unit: string;
}

const figures: Figure[] = [];
const started = Date.now();

const depth = await runDepth(quick);
figures.push(
  {
    workload: 'depth',
    subject: 'quote-queue',
    metric: `claim at ${depth.depths.small!.depth} PENDING`,
    value: depth.claimMsAt1k,
    unit: 'ms',
  },
  {
    workload: 'depth',
    subject: 'quote-queue',
    metric: `claim at ${depth.depths.large!.depth} PENDING`,
    value: depth.claimMsAt1M,
    unit: 'ms',
  },
  {
    workload: 'depth',
    subject: 'quote-queue',
    metric: 'ratio deep / shallow',
    value: depth.ratio,
    unit: 'x',
  },
);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  note: 'Each figure is the median of 3 rounds, measured in one run on this machine.',
  depth: {
    claimMsAt1k: depth.claimMsAt1k,
    claimMsAt1M: depth.claimMsAt1M,
    ratio: depth.ratio,
    unit: 'ms',
    detail: depth.depths,
  },
  figures,
};
writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);

const rows = figures.map((f) => `| ${f.workload} | ${f.subject} | ${f.metric} | ${f.value} ${f.unit} |`);
console.log(['| workload | subject | figure | median |', '| --- | --- | --- | --- |', ...rows].join('\n'));
console.log(
  `\n${quick ? 'quick run' : 'full run'} in ${results.seconds} s on ${results.cores} cores, Node ${results.node}; written to ${values.out}`,
);
