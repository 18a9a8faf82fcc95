// One GraphQL request over HTTP to a bench server, for setting up and checking a workload (not for load).

/** POSTs `query` to `url` and gives its data; an HTTP error or a GraphQL error throws. */
export async function post(
  url: string,
  query: string,
  variables?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (!res.ok || body.errors || !body.data) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}
