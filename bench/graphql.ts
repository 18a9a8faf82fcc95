// Workload 5, GraphQL submit: `submitQuote` over HTTP from 50 concurrent keep-alive connections (a closed
// loop: each connection sends its next request when the last one is answered), driven by autocannon in
// this process against a server in its own child process (bench/servers/child.ts), so the load generator
// and the server never share an event loop. Two servers in the same run, in alternating rounds:
//   quote-queue: the real service (startRuntime + createServer, no claiming worker);
//   bare-yoga:   graphql-yoga with one mutation inserting one row into SQLite, the stack's own ceiling;
//   bare-yoga-uncapped: the same without yoga's request-body cap (its counting stream is about half of a
//                small request's CPU; the service caps bodies another way), the ceiling with no cap at all.
// All get the same document and variables. Each round: a fixed duration of load per server; the order
// flips every round, and the ratio figures are the median of the per-round ratios. Beside throughput and
// latency, each server's CPU time per answered request (all its threads, from the child itself): on a shared
// machine, where throughput moves with whatever else runs, it is the steadier measure of the work a request costs.
import { type Figure, figureOf, figuresFrom } from './figures.js';
import { post } from './post.js';
import { type ServerChild, startServerChild } from './servers/child.js';
import { CONNECTIONS, SUBMIT, submitBody, submitLoad } from './submit-load.js';

const BODY = submitBody({
  applicantName: 'Bench Applicant',
  address: '1 Main St, Austin, TX 78701',
  coverageAmount: 250_000,
  yearBuilt: 1998,
});

export interface Load {
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  /** The server's CPU time per answered request, in microseconds. */
  cpuUs: number;
}

/** `submitQuote` from CONNECTIONS keep-alive connections for `seconds`; rate, latency and the server's CPU. */
export async function load(server: ServerChild, seconds: number): Promise<Load> {
  const { url } = server;
  const cpu0 = await server.cpuMicros();
  const t0 = performance.now();
  const r = await submitLoad(url, BODY, { duration: seconds });
  const elapsed = (performance.now() - t0) / 1000;
  const cpuUs = ((await server.cpuMicros()) - cpu0) / r['2xx'];
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`);
  }
  return { rate: r['2xx'] / elapsed, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], cpuUs };
}

/** How many submissions the server holds: each 2xx answer must have stored exactly one. */
async function stored(name: string, server: ServerChild): Promise<number> {
  if (name.startsWith('bare-yoga')) return (await post(server.url, '{ count }')).count as number;
  const data = await post(server.url, '{ queueStats { pendingCount } }');
  return (data.queueStats as { pendingCount: number }).pendingCount;
}

export async function runGraphqlSubmit(quick: boolean, rounds: number): Promise<Figure[]> {
  const seconds = quick ? 1 : 10;
  const warmup = quick ? 1 : 3;
  const names = ['quote-queue', 'bare-yoga', 'bare-yoga-uncapped'] as const;
  const servers = new Map<string, ServerChild>();
  try {
    servers.set('quote-queue', await startServerChild('service'));
    servers.set('bare-yoga', await startServerChild('bare-yoga'));
    servers.set('bare-yoga-uncapped', await startServerChild('bare-yoga-uncapped'));
    const answered = new Map<string, number>();
    for (const name of names) {
      const s = servers.get(name)!;
      // One request by hand first: the answer must be a submission, not an error that is also a 200.
      const data = await post(s.url, SUBMIT, JSON.parse(BODY).variables);
      if (!(data.submitQuote as { messageId?: string }).messageId) throw new Error(`${name}: no messageId`);
      answered.set(name, 1 + (await load(s, warmup)).ok);
    }
    const per = new Map<string, Load[]>(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const result = await load(servers.get(name)!, seconds);
        per.get(name)!.push(result);
        answered.set(name, answered.get(name)! + result.ok);
      }
    }
    // autocannon stops at its deadline with up to one request per connection still in flight, which
    // the server still stores; beyond those, every stored submission was answered and vice versa.
    for (const name of names) {
      const count = await stored(name, servers.get(name)!);
      const ok = answered.get(name)!;
      if (count < ok || count > ok + CONNECTIONS * (rounds + 1))
        throw new Error(`${name}: ${ok} submissions answered but ${count} stored`);
    }
    const metric = (what: string) => `submitQuote over HTTP, ${CONNECTIONS} connections, ${what}`;
    const figures: Figure[] = [];
    for (const name of names) {
      const loads = per.get(name)!;
      const fig = figuresFrom('graphql-submit', name, loads);
      figures.push(
        fig(metric('throughput'), 'req/s', 'higher', 0, (l) => l.rate),
        fig(metric('p50'), 'ms', 'lower', 2, (l) => l.p50),
        fig(metric('p99'), 'ms', 'lower', 2, (l) => l.p99),
        fig(metric('server CPU per request'), 'µs', 'lower', 0, (l) => l.cpuUs),
      );
    }
    const ours = per.get('quote-queue')!;
    const ratios = (peer: 'bare-yoga' | 'bare-yoga-uncapped') => {
      const bare = per.get(peer)!;
      const ratio = (what: string, pick: (l: Load) => number, better: 'higher' | 'lower') => ({
        ...figureOf(
          'graphql-submit',
          `ours / ${peer}`,
          metric(what),
          'x',
          better,
          ours.map((l, i) => pick(l) / pick(bare[i]!)),
          2,
        ),
      });
      return [
        ratio('throughput', (l) => l.rate, 'higher'),
        ratio('p50', (l) => l.p50, 'lower'),
        ratio('p99', (l) => l.p99, 'lower'),
        ratio('server CPU per request', (l) => l.cpuUs, 'lower'),
      ];
    };
    figures.push(...ratios('bare-yoga'), ...ratios('bare-yoga-uncapped'));
    return figures;
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}
