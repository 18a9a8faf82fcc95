// The submitting process of a chaos run: submits quotes at a steady pace to the real APIs over HTTP (CHAOS_API_URLS,
// comma-separated, in turn) until CHAOS_SUBMIT_UNTIL, printing "accepted <id>" once each submission is acknowledged.
const env = process.env;
const urls = env.CHAOS_API_URLS!.split(',');
const until = Number(env.CHAOS_SUBMIT_UNTIL);
const intervalMs = Number(env.CHAOS_INTERVAL_MS ?? 25);

const SUBMIT = `mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId } }`;

for (let n = 0; Date.now() < until; n++) {
  try {
    const response = await fetch(urls[n % urls.length]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SUBMIT, variables: { input: submission(n) } }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { data?: { submitQuote?: { messageId: string } } };
    const id = body.data?.submitQuote?.messageId;
    // Written only after the API answered: a kill of either side before that leaves an unacknowledged
    // (not lost) message.
    if (id) process.stdout.write(`accepted ${id}\n`);
  } catch {
    // The API is down (killed, restarting) or refused: not accepted, so not counted.
  }
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
process.stdout.write('submitted\n');
process.exit(0);

/** A mix that exercises retries, dead-letters, long attempts (likely in flight at a kill) and progress. */
function submission(n: number): Record<string, unknown> {
  const priorities = ['URGENT', 'HIGH', 'NORMAL', 'LOW'];
  return {
    submission: {
      applicantName: `Chaos ${n}`,
      address: `${n} Main St, Springfield`,
      coverageAmount: 250_000,
    },
    ...(n % 3 === 0 ? {} : { priority: priorities[n % 4] }),
    idempotencyKey: `${process.pid}-${n}`,
    useAgentic: n % 7 === 0,
    maxRetries: n % 25 === 7 ? 1 : 3,
    ...(n % 25 === 7
      ? { simulate: { failAttempts: 20 } }
      : n % 10 === 3
        ? { simulate: { failAttempts: 1 } }
        : n % 13 === 5
          ? { simulate: { processingMs: 400 } }
          : {}),
  };
}
