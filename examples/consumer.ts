// A typed API consumer: submits a quote over HTTP and follows it over WebSocket until it is final.
// Usage: node --import tsx examples/consumer.ts [http://127.0.0.1:4000/graphql] (API_KEY for a key).
import type { ResultOf, TadaDocumentNode } from 'gql.tada';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type ErrorCode, graphql } from './graphql.js';

const SubmitQuote = graphql(`
  mutation SubmitQuote($input: SubmitQuoteInput!) {
    submitQuote(input: $input) {
      messageId
      status
      priority
      queuePosition
      estimatedProcessingTime
    }
  }
`);

const MessageStatus = graphql(`
  subscription MessageStatus($id: ID!) {
    messageStatus(id: $id) {
      id
      status
      version
      retryCount
      result {
        decision
        annualPremium
        reasons
      }
      review {
        state
      }
    }
  }
`);

type Followed = ResultOf<typeof MessageStatus>['messageStatus'];

const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const key = process.env.API_KEY;
const headers: Record<string, string> = {
  'content-type': 'application/json',
  // Needed only by GET operations (CSRF prevention); sent always so these headers serve either method.
  'x-graphql-yoga-csrf': '1',
  ...(key ? { authorization: `Bearer ${key}` } : {}),
};

/** POSTs a typed document; the result type comes from the document itself. */
async function request<R, V>(document: TadaDocumentNode<R, V>, variables: V): Promise<R> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as {
    data?: R;
    errors?: { message: string; extensions?: { code?: ErrorCode } }[];
  };
  if (body.errors?.length || !body.data) {
    throw new Error(body.errors?.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ') ?? 'no data');
  }
  return body.data;
}

const { submitQuote } = await request(SubmitQuote, {
  input: {
    submission: {
      applicantName: 'Typed Consumer',
      address: '5 Elm Street, Columbus, OH 43004',
      coverageAmount: 300_000,
    },
    useAgentic: true,
  },
});
console.log(
  `submitted ${submitQuote.messageId}: ${submitQuote.status}, ${submitQuote.priority}, position ${submitQuote.queuePosition}`,
);

const ws = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: key ? { authorization: `Bearer ${key}` } : {},
});
const last = await new Promise<Followed>((resolve, reject) => {
  let latest: Followed | undefined;
  ws.subscribe<ResultOf<typeof MessageStatus>>(
    { query: print(MessageStatus), variables: { id: submitQuote.messageId } },
    {
      next: ({ data, errors }) => {
        if (errors?.length) return reject(new Error(errors.map((e) => e.message).join('; ')));
        if (!data) return;
        latest = data.messageStatus;
        console.log(`v${latest.version} ${latest.status}`);
      },
      error: reject,
      complete: () => (latest ? resolve(latest) : reject(new Error('ended without a message'))),
    },
  );
});
await ws.dispose();
console.log(
  `final: ${last.status} ${last.result?.decision ?? ''} ${last.result?.annualPremium ?? ''}`.trim(),
);
process.exit(last.status === 'COMPLETED' ? 0 : 1);
