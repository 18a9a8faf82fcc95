// The tables of a bench run, rendered from its results (bench/results.json): printed by run.ts, and written into
// the README by readme.ts, so the README's figures are the last run's and a test can tell when they are not.
import type { Figure } from './figures.js';
import { median, round } from './stats.js';

export interface NotMeasured {
  workload: string;
  subject: string;
  metric: string;
  reason: string;
}

/** What bench/results.json holds (the parts the tables read). */
export interface Results {
  date: string;
  node: string;
  nodeFlags: string[];
  cores: number;
  cpu: string;
  quick: boolean;
  seconds: number;
  depth?: {
    claimMsAt1k: number;
    claimMsAt1M: number;
    ratio: number;
    unit: string;
    detail: Record<string, { depth: number }>;
  };
  figures: Figure[];
  notMeasured: NotMeasured[];
}

/** The queues of workloads 1-3, ours first: the column order of the main table. */
export const QUEUES = ['quote-queue', 'raw-sqlite', 'plainjob', 'bullmq'] as const;
/** Workloads 5 and 6, against a server process: their own table (ours, bare yoga, and the ratio). */
/** The full run's followers workload (bench/followers.ts): its figures' names start so. */
const FOLLOWERS = '10,000 each on its own quote';

export const SERVER_WORKLOADS = new Set(['graphql-submit', 'subscriptions', 'followers']);
/** Where the drain's time goes (bench/anatomy.ts): a table of its own, one value per row. */
export const ANATOMY = 'drain-anatomy';
/** Real quotes through the service (bench/quotes.ts) and underwriting alone (bench/underwriting.ts): the headline. */
export const QUOTE_WORKLOADS = new Set(['quotes', 'underwriting', 'webhooks']);
/** The figures the quote targets are judged from (named by the workloads that measure them). */
export const QUOTE_FIGURES = {
  underwritingPlain: 'CPU per plain quote, deterministic provider',
  underwritingAgentic: 'CPU per agentic quote, deterministic provider',
  drainRatio: 'plain quotes / no-op, drain, per round',
  /** The end-to-end figures end with `, p50` ... `, completed`. */
  endToEnd: 'submitQuote at 500/s over HTTP, each followed over WebSocket to COMPLETED',
  /** bench/webhooks.ts: the drain with one webhook endpoint over the drain without. */
  webhookRatio: 'one webhook endpoint / none, drain, per round',
  /** bench/webhooks.ts: the drain with traces exported over the drain without. */
  tracingRatio: 'traces exported / none, drain, per round',
  tracedSpans: 'traced drain: spans the receiver decoded / the 2 per quote made (attempt, underwriting step)',
} as const;
/** Queue features measured on each engine (bench/scheduled.ts): a table of their own. */
export const FEATURE_WORKLOADS = new Set(['scheduled', 'batch', 'fairness']);
/** PostgreSQL (bench/postgres.ts): the queues on PostgreSQL, and the service on each engine; a table of their own. */
export const POSTGRES = 'postgres';
export const POSTGRES_SERVICE = 'postgres-service';
/** Its columns: ours on PostgreSQL, its two PostgreSQL peers, ours on SQLite (the subjects' names). */
export const PG_QUEUES = ['quote-queue-pg', 'graphile-worker', 'pg-boss', 'quote-queue'] as const;
const PG_HEADINGS = ['ours, PostgreSQL', 'graphile-worker', 'pg-boss', 'ours, SQLite'];
/** One machine on both cores (bench/cores.ts): a table of its own, a row per way of running `npm start`. */
export const CORES = 'cores';
export const CORES_MODES = [
  'API alone',
  'worker in the API process',
  'worker in a child process',
  'worker in a niced child process',
  'worker in a niced child process, no warm-up',
] as const;
/** How `npm start` runs by default (WORKER_PROCESS=true, WORKER_NICE=10, WARM_UP_MS=3000): the mode the targets judge. */
const CORES_DEFAULT = 'worker in a niced child process';
/** The first `n` submissions after /ready (2,000 in a full run). */
export const firstMetric = (n: number) =>
  `first ${n.toLocaleString('en-US')} submitQuote after /ready, 50 connections, p99`;
/** Each mode's figures are named `<mode>: <one of these>`. */
export const CORES_METRICS = {
  first: firstMetric(2000),
  p50: 'submitQuote, 50 connections, p50',
  p99: 'submitQuote, 50 connections, p99',
  ratio: 'submitQuote p99 / API alone, per round',
  submits: 'submitQuote answered',
  drained: 'quotes drained meanwhile',
} as const;
/** The fleet on PostgreSQL (bench/fleet.ts): API and worker processes of their own; a table of their own. */
export const FLEET_DRAIN = 'fleet-drain';
export const FLEET_DELIVERY = 'fleet-delivery';
export const FLEET_SUBMIT = 'fleet-submit';
export const FLEET_WORKLOADS = new Set([FLEET_DRAIN, FLEET_DELIVERY, FLEET_SUBMIT]);
export const ownTable = (workload: string) =>
  FLEET_WORKLOADS.has(workload) ||
  workload === CORES ||
  SERVER_WORKLOADS.has(workload) ||
  workload === ANATOMY ||
  QUOTE_WORKLOADS.has(workload) ||
  FEATURE_WORKLOADS.has(workload) ||
  workload === POSTGRES ||
  workload === POSTGRES_SERVICE;

const number = (x: number) => x.toLocaleString('en-US');
const find = (r: Results, workload: string, subject: string, metric: (m: string) => boolean) =>
  r.figures.find((f) => f.workload === workload && f.subject === subject && metric(f.metric));

/**
 * Ours over a peer: the median of the per-round ratios (both measured in the same round, minutes apart at most),
 * so that a slow spell of the machine weighs on both sides of a ratio rather than on one subject's median.
 */
export function pairedRatio(ours: number[], peer: number[]): number | null {
  const ratios = perRound(ours, peer);
  return ratios.length === ours.length && ratios.length > 0 ? median(ratios) : null;
}

function perRound(ours: number[], peer: number[]): number[] {
  return ours.flatMap((x, i) => (peer[i]! > 0 ? [x / peer[i]!] : []));
}

/** Workloads 1-4: rows of workload and metric; a column per queue, then ours / each peer. */
export function queueTable(r: Results): string {
  const peers = QUEUES.slice(1);
  const keys = [
    ...new Set(r.figures.filter((f) => !ownTable(f.workload)).map((f) => `${f.workload}\u0000${f.metric}`)),
  ];
  const lines = [
    `| workload | figure | ${QUEUES.join(' | ')} | ${peers.map((p) => `ours / ${p}`).join(' | ')} |`,
    `| --- | --- | ${QUEUES.map(() => '---:').join(' | ')} | ${peers.map(() => '---:').join(' | ')} |`,
  ];
  for (const key of keys) {
    const [workload, metric] = key.split('\u0000') as [string, string];
    const of = (name: string) => find(r, workload, name, (m) => m === metric);
    const cell = (name: string) => {
      const f = of(name);
      if (f) return `${number(f.value)} ${f.unit}`;
      const missing = r.notMeasured.find(
        (m) =>
          m.subject === name && m.workload === workload && (m.metric === '*' || metric.startsWith(m.metric)),
      );
      return missing ? `n/a: ${missing.reason}` : '-';
    };
    const ours = of('quote-queue');
    const ratio = (peer: string) => {
      const p = of(peer);
      if (!ours || !p || ours.unit === 'x') return '-';
      const x = pairedRatio(ours.rounds, p.rounds);
      return x === null ? '-' : `${round(x, 2)}x`;
    };
    lines.push(
      `| ${workload} | ${metric} | ${QUEUES.map(cell).join(' | ')} | ${peers.map(ratio).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** PostgreSQL: a column per subject, then ours on PostgreSQL over each of the others, per round. */
export function postgresTable(r: Results): string {
  const others = PG_QUEUES.slice(1);
  const lines = [
    `| workload | figure | ${PG_HEADINGS.join(' | ')} | ${PG_HEADINGS.slice(1)
      .map((p) => `ours PG / ${p}`)
      .join(' | ')} |`,
    `| --- | --- | ${PG_HEADINGS.map(() => '---:').join(' | ')} | ${others.map(() => '---:').join(' | ')} |`,
  ];
  const pg = r.figures.filter((f) => f.workload === POSTGRES || f.workload === POSTGRES_SERVICE);
  for (const key of [...new Set(pg.map((f) => `${f.workload}\u0000${f.metric}`))]) {
    const [workload, metric] = key.split('\u0000') as [string, string];
    const of = (subject: string) =>
      pg.find((f) => f.workload === workload && f.metric === metric && f.subject === subject);
    const cell = (subject: string) => {
      const f = of(subject);
      return f ? `${number(f.value)} ${f.unit}` : '-';
    };
    const ours = of(PG_QUEUES[0]);
    const ratio = (peer: string) => {
      const p = of(peer);
      if (!ours || !p || ours.unit === 'quotes') return '-';
      const x = pairedRatio(ours.rounds, p.rounds);
      return x === null ? '-' : `${round(x, 2)}x`;
    };
    lines.push(
      `| ${workload} | ${metric} | ${PG_QUEUES.map(cell).join(' | ')} | ${others.map(ratio).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** The drain's anatomy: one row per figure (rates are medians of the rounds; the breakdowns one timed drain). */
export function anatomyTable(r: Results): string {
  const lines = ['| drain anatomy | subject | value |', '| --- | --- | ---: |'];
  for (const f of r.figures.filter((x) => x.workload === ANATOMY)) {
    lines.push(`| ${f.metric} | ${f.subject} | ${number(f.value)} ${f.unit} |`);
  }
  return lines.join('\n');
}

/** Queue features on each engine: one row per figure, with its rounds. */
export function featuresTable(r: Results): string {
  const lines = ['| feature | engine | measure | value | rounds |', '| --- | --- | --- | ---: | --- |'];
  for (const f of r.figures.filter((x) => FEATURE_WORKLOADS.has(x.workload))) {
    lines.push(
      `| ${f.workload} | ${f.subject} | ${f.metric} | ${number(f.value)} ${f.unit} | ${f.rounds.map(number).join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The headline: real quotes as users run them (the service process, the quote processor), then the engine's no-op
 * ceiling beside them: the same service process with a no-op processor, and the engine's in-process drain.
 */
export function quotesTable(r: Results): string {
  const lines = ['| real quotes | subject | value | rounds |', '| --- | --- | ---: | --- |'];
  const row = (f: Figure) =>
    lines.push(
      `| ${f.metric} | ${f.subject} | ${number(f.value)} ${f.unit} | ${f.rounds.map(number).join(', ')} |`,
    );
  const quotes = r.figures.filter((f) => QUOTE_WORKLOADS.has(f.workload));
  for (const f of quotes.filter((x) => x.subject === 'quote-queue')) row(f);
  for (const f of quotes.filter((x) => x.subject !== 'quote-queue')) row(f);
  const engine = find(r, 'drain', 'quote-queue', (m) => m.endsWith('no-op, concurrency 10'));
  if (engine)
    row({ ...engine, metric: `engine alone, in process: ${engine.metric}`, subject: 'engine, no-op' });
  return lines.join('\n');
}

/** Workloads 5 and 6: ours, the bare yoga + SQLite server where it applies, and ours / bare per round. */
export function serverTable(r: Results): string {
  const columns = [
    'quote-queue',
    'bare-yoga',
    'bare-yoga-uncapped',
    'ours / bare-yoga',
    'ours / bare-yoga-uncapped',
  ];
  const lines = [
    `| workload | figure | ${columns.join(' | ')} |`,
    `| --- | --- | ${columns.map(() => '---:').join(' | ')} |`,
  ];
  const server = r.figures.filter((f) => SERVER_WORKLOADS.has(f.workload));
  for (const key of [...new Set(server.map((f) => `${f.workload}\u0000${f.metric}`))]) {
    const [workload, metric] = key.split('\u0000') as [string, string];
    const cell = (subject: string) => {
      const f = server.find((x) => x.workload === workload && x.metric === metric && x.subject === subject);
      return f ? `${number(f.value)} ${f.unit}` : '';
    };
    lines.push(`| ${workload} | ${metric} | ${columns.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Both cores: per mode the first 2,000 after /ready, then steady submitQuote while the worker drains. */
export function coresTable(r: Results): string {
  const M = CORES_METRICS;
  const columns = [M.first, M.p50, M.p99, M.ratio, M.submits, M.drained] as const;
  const headings = [
    'first 2,000 after /ready, p99',
    'steady p50',
    'steady p99',
    'p99 / API alone',
    'submitQuote answered',
    'quotes drained',
  ];
  const lines = [
    `| \`npm start\` on SQLite, 50 connections | ${headings.join(' | ')} |`,
    `| --- | ${headings.map(() => '---:').join(' | ')} |`,
  ];
  for (const mode of CORES_MODES) {
    const cell = (metric: string) => {
      const f = find(r, CORES, 'quote-queue', (m) => m === `${mode}: ${metric}`);
      return f ? `${number(f.value)} ${f.unit}` : '-';
    };
    lines.push(`| ${mode} | ${columns.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Issue 20's one-machine targets: the default `npm start` beside the API alone, and right after /ready. */
function coresTargets(r: Results): Target[] {
  const of = (mode: string, metric: string) =>
    find(r, CORES, 'quote-queue', (m) => m === `${mode}: ${metric}`);
  const ratio = of(CORES_DEFAULT, CORES_METRICS.ratio);
  const inProcess = of('worker in the API process', CORES_METRICS.ratio);
  const first = of(CORES_DEFAULT, CORES_METRICS.first);
  const cold = of('worker in a niced child process, no warm-up', CORES_METRICS.first);
  return [
    {
      target:
        'both cores: submitQuote p99 at 50 connections, the worker draining, within 1.25x of the API alone',
      measured: ratio
        ? `${ratio.value}x (rounds ${ratio.rounds.join(', ')})${inProcess ? `; worker in the API process ${inProcess.value}x` : ''}`
        : null,
      met: !!ratio && ratio.value <= 1.25,
    },
    {
      target: 'first 2,000 submitQuote after /ready (50 connections, worker draining), p99 under 100 ms',
      measured: first
        ? `${first.value} ms (rounds ${first.rounds.join(', ')})${cold ? `; without the warm-up ${cold.value} ms` : ''}`
        : null,
      met: !!first && first.value < 100,
    },
  ];
}

/** The fleet: one row per figure, with its rounds (a ratio's rounds are the per-round ratios). */
export function fleetTable(r: Results): string {
  const lines = ['| fleet | processes | figure | value | rounds |', '| --- | --- | --- | ---: | --- |'];
  for (const f of r.figures.filter((x) => FLEET_WORKLOADS.has(x.workload))) {
    lines.push(
      `| ${f.workload} | ${f.subject} | ${f.metric} | ${number(f.value)} ${f.unit} | ${f.rounds.map(number).join(', ')} |`,
    );
  }
  if (lines.length === 2) lines.push('| not measured in this run | | | | |');
  return lines.join('\n');
}

/** When, where and how long: the line above the tables. */
export function runLine(r: Results): string {
  const flags = r.nodeFlags.length > 0 ? ` with \`${r.nodeFlags.join(' ')}\`` : '';
  return `${r.quick ? 'Quick run' : 'Last full run'} (${r.date.slice(0, 10)}, Node ${r.node.replace(/^v/, '')}${flags}, ${r.cores} cores of an ${r.cpu}, ${r.seconds} s):`;
}

interface Target {
  target: string;
  /** What this run measured, in words; null when the run did not measure it. */
  measured: string | null;
  met: boolean;
}

/** Issue 5's and issue 17's targets, each judged from this run's figures. */
export function targets(r: Results): Target[] {
  const out: Target[] = [];
  const rounds = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted.length > 1
      ? `${round(sorted[0]!, 2)}-${round(sorted.at(-1)!, 2)}`
      : `${round(sorted[0]!, 2)}`;
  };
  const drain = (subject: string, suffix = 'concurrency 10') =>
    find(r, 'drain', subject, (m) => m.endsWith(suffix));
  const ours = drain('quote-queue');
  for (const [peer, name, floor] of [
    ['plainjob', 'plainjob', 2],
    ['bullmq', 'BullMQ', 2],
    ['raw-sqlite', 'raw one-per-transaction SQLite', 0.9],
  ] as const) {
    const p = drain(peer);
    const x = ours && p ? pairedRatio(ours.rounds, p.rounds) : null;
    let measured =
      x === null ? null : `${round(x, 2)}x (per round ${rounds(perRound(ours!.rounds, p!.rounds))})`;
    if (measured !== null && peer === 'bullmq') {
      const cpu = (s: string) => drain(s, 'concurrency 10, CPU per message, all its processes');
      const [a, b] = [cpu('quote-queue'), cpu('bullmq')];
      const cpu10 = a && b ? pairedRatio(a.rounds, b.rounds) : null;
      if (cpu10 !== null) measured += `; CPU per message ${round(cpu10, 2)}x BullMQ's`;
    }
    out.push({
      target: `drain at concurrency 10 ≥ ${floor}x ${name}`,
      measured,
      met: x !== null && x >= floor,
    });
  }
  const p99 = (subject: string) => find(r, 'latency', subject, (m) => m.endsWith(', p99'));
  const [ourP99, bullP99] = [p99('quote-queue'), p99('bullmq')];
  out.push({
    target: "end-to-end p99 at 500/s within BullMQ's",
    measured: ourP99 && bullP99 ? `${ourP99.value} against ${bullP99.value} ms` : null,
    met: !!ourP99 && !!bullP99 && ourP99.value <= bullP99.value,
  });
  const submit = (subject: string, what: string) =>
    find(r, 'graphql-submit', subject, (m) => m.endsWith(`, ${what}`));
  const bareRatio = (what: string) => submit('ours / bare-yoga', what);
  const through = bareRatio('throughput');
  out.push({
    target: 'GraphQL submit throughput ≥ 0.8x bare yoga + SQLite',
    measured: through ? `${through.value}x (rounds ${through.rounds.join(', ')})` : null,
    met: !!through && through.value >= 0.8,
  });
  const tail = bareRatio('p99');
  out.push({
    target: "GraphQL submit p99 ≤ 1.25x bare's",
    measured: tail ? `${tail.value}x (rounds ${tail.rounds.join(', ')})` : null,
    met: !!tail && tail.value <= 1.25,
  });
  const ourSubmitP99 = submit('quote-queue', 'p99');
  out.push({
    target: 'submission under 100 ms',
    measured: ourSubmitP99 ? `p99 ${ourSubmitP99.value} ms at 50 connections` : null,
    met: !!ourSubmitP99 && ourSubmitP99.value < 100,
  });
  const deep = r.depth && Object.values(r.depth.detail).some((d) => d.depth >= 1_000_000);
  out.push({
    target: 'depth: claim at 1,000,000 within 2x of 1,000',
    measured:
      r.depth && deep ? `${r.depth.ratio}x (${r.depth.claimMsAt1k} against ${r.depth.claimMsAt1M} ms)` : null,
    met: !!r.depth && !!deep && r.depth.ratio <= 2,
  });
  for (const engine of ['sqlite', 'postgres']) {
    const ratio = find(r, 'scheduled', engine, (m) => m === 'ratio scheduled / none');
    out.push({
      target: `scheduled (${engine}): claim beside 100,000 scheduled within 1.2x of none`,
      measured: ratio ? `${ratio.value}x (rounds ${ratio.rounds.join(', ')})` : null,
      met: !!ratio && ratio.value <= 1.2,
    });
  }
  const follow = (what: string) =>
    find(r, 'followers', 'quote-queue', (m) => m.startsWith(FOLLOWERS) && m.endsWith(`, ${what}`));
  const delivery = follow('commit to delivery, p99');
  out.push({
    target: 'delivery p99 under 100 ms, 10,000 each following its own quote while drained',
    measured: delivery ? `${delivery.value} ms (rounds ${delivery.rounds.join(', ')})` : null,
    met: !!delivery && delivery.value < 100,
  });
  const heap = follow('server heap per subscriber');
  out.push({
    target: 'heap per subscriber under 10 KB, 10,000 following and 1,000 on queueStats',
    measured: heap ? `${heap.value} KB (rounds ${heap.rounds.join(', ')})` : null,
    met: !!heap && heap.value < 10,
  });
  out.push(...quoteTargets(r));
  out.push(...postgresTargets(r, rounds));
  out.push(...coresTargets(r));
  const fleetP99 = r.figures.find((f) => f.workload === FLEET_DELIVERY && f.metric.endsWith(', p99'));
  out.push({
    target:
      'fleet: change committed by worker process B to 1,000 subscribers on API process A, p99 under 50 ms',
    measured: fleetP99 ? `${fleetP99.value} ms (rounds ${fleetP99.rounds.join(', ')})` : null,
    met: !!fleetP99 && fleetP99.value < 50,
  });
  return out;
}

/** Issue 19: ours on PostgreSQL against graphile-worker and pg-boss, in the same run. */
function postgresTargets(r: Results, rounds: (xs: number[]) => string): Target[] {
  const out: Target[] = [];
  const of = (subject: string, test: (m: string) => boolean) =>
    r.figures.find((f) => f.workload === POSTGRES && f.subject === subject && test(f.metric));
  const drain = (subject: string) => of(subject, (m) => /^drain .* no-op, concurrency 10$/.test(m));
  const ours = drain(PG_QUEUES[0]);
  for (const [peer, floor, how] of [
    ['pg-boss', 1.5, ''],
    ['graphile-worker', 1, ' (its default, unbatched configuration)'],
  ] as const) {
    const p = drain(peer);
    const x = ours && p ? pairedRatio(ours.rounds, p.rounds) : null;
    out.push({
      target: `PostgreSQL: drain at concurrency 10 ≥ ${floor}x ${peer}${how}`,
      measured:
        x === null
          ? null
          : `${round(x, 2)}x (per round ${rounds(perRound(ours!.rounds, p!.rounds))}; ${number(ours!.value)} against ${number(p!.value)} msg/s)`,
      met: x !== null && x >= floor,
    });
  }
  const p99 = (subject: string) =>
    of(subject, (m) => m.startsWith('submit to completed') && m.endsWith(', p99'));
  const [a, b] = [p99(PG_QUEUES[0]), p99('graphile-worker')];
  out.push({
    target: "PostgreSQL: end-to-end p99 at 500/s within graphile-worker's",
    measured: a && b ? `${a.value} against ${b.value} ms` : null,
    met: !!a && !!b && a.value <= b.value,
  });
  return out;
}

/** Issue 17: real quotes, underwriting alone, the drain against the engine's no-op one, end to end over the API. */
function quoteTargets(r: Results): Target[] {
  const out: Target[] = [];
  const Q = QUOTE_FIGURES;
  for (const [metric, kind, ceiling] of [
    [Q.underwritingPlain, 'plain', 15],
    [Q.underwritingAgentic, 'agentic', 100],
  ] as const) {
    const f = find(r, 'underwriting', 'quote-queue', (m) => m === metric);
    out.push({
      target: `underwriting ≤ ${ceiling} µs of CPU per ${kind} quote`,
      measured: f ? `${f.value} µs (rounds ${f.rounds.join(', ')})` : null,
      met: !!f && f.value <= ceiling,
    });
  }
  const ratio = find(r, 'quotes', 'quote-queue', (m) => m === Q.drainRatio);
  const plain = find(r, 'quotes', 'quote-queue', (m) =>
    / plain quotes, service process, concurrency 10$/.test(m),
  );
  const engine = find(r, 'drain', 'quote-queue', (m) => m.endsWith('no-op, concurrency 10'));
  let drained = ratio
    ? `${ratio.value}x the same service with a no-op processor (per round ${ratio.rounds.join(', ')})`
    : null;
  if (drained && plain && engine) {
    drained += `; ${number(plain.value)} quotes/s against the in-process engine's ${number(engine.value)} msg/s (${round(plain.value / engine.value, 2)}x)`;
  }
  out.push({
    target: "real-quote drain ≥ 0.75x the engine's no-op drain",
    measured: drained,
    met: !!ratio && ratio.value >= 0.75,
  });
  const e2e = (what: string) =>
    find(r, 'quotes', 'quote-queue', (m) => m.includes(Q.endToEnd) && m.endsWith(`, ${what}`));
  const [p50, p95, p99, completed] = [e2e('p50'), e2e('p95'), e2e('p99'), e2e('completed')];
  const submitted = completed ? Number(completed.metric.split(' ')[0]!.replaceAll(',', '')) : 0;
  out.push({
    target: 'end to end at 500/s: all 1,000 complete, p99 under 25 ms',
    measured:
      p50 && p95 && p99 && completed
        ? `${completed.value} of ${number(submitted)} completed (fewest of the rounds); p50 ${p50.value}, p95 ${p95.value}, p99 ${p99.value} ms (p99 rounds ${p99.rounds.join(', ')})`
        : null,
    met: !!p99 && !!completed && completed.value === submitted && p99.value < 25,
  });
  const hooked = find(r, 'webhooks', 'quote-queue', (m) => m === Q.webhookRatio);
  out.push({
    target: 'drain with one webhook endpoint ≥ 0.8x without',
    measured: hooked ? `${hooked.value}x (per round ${hooked.rounds.join(', ')})` : null,
    met: !!hooked && hooked.value >= 0.8,
  });
  const traced = find(r, 'webhooks', 'quote-queue', (m) => m === Q.tracingRatio);
  // A drain whose spans were dropped (a full export queue) would read cheaper than one that sent them all.
  const spans = find(r, 'webhooks', 'quote-queue', (m) =>
    m.startsWith('traced drain: spans the receiver decoded'),
  );
  out.push({
    target: 'drain with traces exported ≥ 0.8x without',
    measured: traced
      ? `${traced.value}x (per round ${traced.rounds.join(', ')})${spans ? `; spans received ${Math.min(...spans.rounds)}x of those made (fewest of the rounds)` : ''}`
      : null,
    met: !!traced && traced.value >= 0.8 && (!spans || Math.min(...spans.rounds) === 1),
  });
  return out;
}

export function targetsTable(r: Results): string {
  const lines = ['| target | this run | |', '| --- | --- | --- |'];
  for (const t of targets(r)) {
    const verdict = t.measured === null ? '-' : t.met ? 'met' : '**missed**';
    lines.push(`| ${t.target} | ${t.measured ?? 'not measured'} | ${verdict} |`);
  }
  return lines.join('\n');
}

/**
 * The README's few headline figures: what a user gets, each with what it is measured beside. A figure the run
 * did not measure shows '-'.
 */
export function headlineTable(r: Results): string {
  const lines = ['| what | this run | beside it, same run |', '| --- | ---: | --- |'];
  const cell = (f: Figure | undefined) => (f ? `${number(f.value)} ${f.unit}` : '-');
  const versus = (ours: Figure | undefined, peer: Figure | undefined, name: string) => {
    const x = ours && peer ? pairedRatio(ours.rounds, peer.rounds) : null;
    return x === null ? '-' : `${round(x, 2)}x ${name} (${number(peer!.value)} ${peer!.unit})`;
  };
  // Real quotes as users run them first (bench/quotes.ts); the engine's no-op ceiling after.
  const quote = (workload: string, test: (m: string) => boolean) =>
    r.figures.find((f) => f.workload === workload && f.subject === 'quote-queue' && test(f.metric));
  const served = (kind: string) => quote('quotes', (m) => m.includes(` ${kind} quotes, service process`));
  const cpu = (f: Figure | undefined) =>
    f ? quote('quotes', (m) => m === `${f.metric}, CPU per message, service process`) : undefined;
  const ratio = quote('quotes', (m) => m === QUOTE_FIGURES.drainRatio);
  const plain = served('plain');
  const agentic = served('agentic');
  lines.push(
    `| plain / agentic quotes drained by the service (\`npm start\`, \`WORKER_CONCURRENCY=10\`) | ${cell(plain)} / ${cell(agentic)} | CPU each ${cell(cpu(plain))} / ${cell(cpu(agentic))}; plain ${ratio ? `${ratio.value}x` : '-'} the same service with a no-op processor |`,
  );
  const e2e = (what: string) =>
    quote('quotes', (m) => m.includes(QUOTE_FIGURES.endToEnd) && m.endsWith(`, ${what}`));
  const completed = e2e('completed');
  lines.push(
    `| \`submitQuote\` at 500/s, each followed over WebSocket to COMPLETED, p99 | ${cell(e2e('p99'))} | p50 ${cell(e2e('p50'))}; ${completed ? `${number(completed.value)} of ${completed.metric.split(' ')[0]}` : '-'} completed |`,
  );
  const drain = (subject: string) => find(r, 'drain', subject, (m) => m.endsWith('concurrency 10'));
  lines.push(
    `| queue drain, no-op processor, concurrency 10 (the engine's ceiling) | ${cell(drain('quote-queue'))} | ${versus(drain('quote-queue'), drain('bullmq'), 'BullMQ')} |`,
  );
  const submit = (subject: string, what: string) =>
    find(r, 'graphql-submit', subject, (m) => m.endsWith(`, ${what}`));
  lines.push(
    `| \`submitQuote\` over HTTP, 50 connections | ${cell(submit('quote-queue', 'throughput'))}, p99 ${cell(submit('quote-queue', 'p99'))} | bare yoga + SQLite ${cell(submit('bare-yoga', 'throughput'))} |`,
  );
  const follow = (what: string) =>
    find(r, 'followers', 'quote-queue', (m) => m.startsWith(FOLLOWERS) && m.endsWith(`, ${what}`));
  const oneMessage = find(
    r,
    'subscriptions',
    'quote-queue',
    (m) => m === '10,000 on one message, change to delivery, p99',
  );
  lines.push(
    `| 10,000 subscribers each following its own quote while drained (and 1,000 on \`queueStats\`), commit to frame, p99 | ${cell(follow('commit to delivery, p99'))} | heap ${cell(follow('server heap per subscriber'))} per subscriber; one change to 10,000 on one message ${cell(oneMessage)} |`,
  );
  const fleet = (workload: string, test: (m: string) => boolean) =>
    r.figures.find((f) => f.workload === workload && test(f.metric));
  const scaling = fleet(FLEET_DRAIN, (m) => m.startsWith('2 worker processes / 1'));
  lines.push(
    `| the fleet on PostgreSQL: 1,000 subscribers on API process A of changes committed by worker process B, p99 | ${cell(fleet(FLEET_DELIVERY, (m) => m.endsWith(', p99')))} | drain with 2 worker processes ${scaling ? `${scaling.value}x` : '-'} the drain with 1 |`,
  );
  const met = targets(r).filter((t) => t.measured !== null);
  lines.push(
    `| targets met | ${met.filter((t) => t.met).length} of ${met.length} | [bench/README.md](bench/README.md#targets) |`,
  );
  return lines.join('\n');
}
