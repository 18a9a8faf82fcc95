// submitQuote load over HTTP for the workloads that load the API (graphql-submit, cores, fleet-submit):
// CONNECTIONS keep-alive connections in a closed loop, each sending its next request when the last is answered.
import autocannon from 'autocannon';

export const CONNECTIONS = 50;
export const SUBMIT =
  'mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId status priority } }';

/** The request body of SUBMIT for one submission. */
export function submitBody(submission: unknown): string {
  return JSON.stringify({ query: SUBMIT, variables: { input: { submission } } });
}

/** POSTs `body` to `url` from CONNECTIONS connections for `duration` seconds or `amount` requests. */
export function submitLoad(
  url: string,
  body: string,
  options: { duration?: number; amount?: number },
): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body,
    connections: CONNECTIONS,
    pipelining: 1,
    ...options,
  });
}
