// Workload `batch`: submissions over GraphQL, `submitQuotes` with 1,000 per request against `submitQuote` one at
// a time, messages per second, from one client (each request sent when the last is answered) against the real
// service in its own child process (bench/servers/service.ts: SQLite, no claiming worker). Rounds alternate
// which goes first; the ratio is the median of the rounds' ratios.
import type { Figure } from './figures.js';
import { figureOf } from './figures.js';
import { post } from './post.js';
import { type ServerChild, startServerChild } from './servers/child.js';

const BATCH = 1000;
const ONE = 'mutation One($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId status } }';
const MANY =
  'mutation Many($input: [SubmitQuoteInput!]!) { submitQuotes(input: $input) { messageId status } }';

const input = (i: number) => ({
  submission: {
    applicantName: `Bench Applicant ${i}`,
    address: '1 Main St, Austin, TX 78701',
    coverageAmount: 250_000,
    yearBuilt: 1998,
  },
});

async function send(url: string, body: string): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { data?: unknown; errors?: unknown };
  if (!res.ok || json.errors || !json.data) throw new Error(`${res.status} ${JSON.stringify(json.errors)}`);
  return json.data;
}

/** `count` submitQuote requests one after another; messages per second. */
async function oneAtATime(server: ServerChild, count: number): Promise<number> {
  const bodies = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ query: ONE, variables: { input: input(i) } }),
  );
  const t0 = performance.now();
  for (const body of bodies) await send(server.url, body);
  return count / ((performance.now() - t0) / 1000);
}

/** `batches` submitQuotes requests of BATCH each, one after another; messages per second. */
async function batched(server: ServerChild, batches: number): Promise<number> {
  const body = JSON.stringify({
    query: MANY,
    variables: { input: Array.from({ length: BATCH }, (_, i) => input(i)) },
  });
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const data = (await send(server.url, body)) as { submitQuotes: unknown[] };
    if (data.submitQuotes.length !== BATCH) throw new Error('a batch came back short');
  }
  return (batches * BATCH) / ((performance.now() - t0) / 1000);
}

export async function runBatch(quick: boolean, rounds: number): Promise<Figure[]> {
  const singles = quick ? 200 : 3000;
  const batches = quick ? 2 : 20;
  const server = await startServerChild('service');
  try {
    // Warm-up: both paths compiled before anything is timed.
    await oneAtATime(server, quick ? 20 : 200);
    await batched(server, 1);
    const one: number[] = [];
    const many: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        one.push(await oneAtATime(server, singles));
        many.push(await batched(server, batches));
      } else {
        many.push(await batched(server, batches));
        one.push(await oneAtATime(server, singles));
      }
    }
    const expected = (quick ? 20 : 200) + BATCH + rounds * (singles + batches * BATCH);
    const stats = (await post(server.url, '{ queueStats { pendingCount } }')).queueStats as {
      pendingCount: number;
    };
    if (stats.pendingCount !== expected)
      throw new Error(`stored ${stats.pendingCount}, expected ${expected}`);
    const ratios = many.map((m, i) => m / one[i]!);
    return [
      figureOf('batch', 'sqlite', 'submitQuote one at a time, one client', 'msg/s', 'higher', one, 0),
      figureOf(
        'batch',
        'sqlite',
        `submitQuotes, ${BATCH.toLocaleString('en-US')} per request, one client`,
        'msg/s',
        'higher',
        many,
        0,
      ),
      figureOf('batch', 'sqlite', 'ratio batched / one at a time', 'x', 'higher', ratios, 1),
    ];
  } finally {
    await server.stop();
  }
}
