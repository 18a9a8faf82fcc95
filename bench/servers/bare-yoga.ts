// The stack's own ceiling for workload 5: graphql-yoga on node:http with one mutation, `submitQuote`, that
// inserts one row into SQLite (better-sqlite3, WAL, synchronous=NORMAL, as the service opens it) and
// answers. Same request document and variables as the service gets; no auth, limits, events or metrics.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSchema, createYoga } from 'graphql-yoga';
import { serveIpc } from './child.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-bare-'));
const db = new Database(join(dir, 'bare.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE quotes (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, priority TEXT NOT NULL, payload TEXT NOT NULL,
  created_at INTEGER NOT NULL)`);
const insert = db.prepare(
  'INSERT INTO quotes (id, status, priority, payload, created_at) VALUES (?, ?, ?, ?, ?)',
);
const countRows = db.prepare('SELECT count(*) AS n FROM quotes');

interface SubmitInput {
  submission: Record<string, unknown>;
  priority?: string | null;
}

// BARE_YOGA_BODY_CAP=off (bare-yoga-uncapped.ts): without yoga's request-body cap, which streams every body
// through a counter. The service caps bodies its own cheaper way (src/server/body-limit.ts); this variant
// shows the stack's ceiling without that cost at all.
const uncapped = process.env.BARE_YOGA_BODY_CAP === 'off';

const yoga = createYoga({
  graphqlEndpoint: '/graphql',
  ...(uncapped ? { maxRequestBodySize: false as const } : {}),
  landingPage: false,
  graphiql: false,
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      enum MessagePriority { URGENT HIGH NORMAL LOW }
      enum QueueStatus { PENDING }
      input QuoteSubmissionInput {
        applicantName: String!
        address: String!
        coverageAmount: Int!
        yearBuilt: Int
        deductible: Int
      }
      input SubmitQuoteInput {
        submission: QuoteSubmissionInput!
        useAgentic: Boolean = false
        priority: MessagePriority
        maxRetries: Int = 3
        timeoutSeconds: Int = 300
      }
      type SubmitQuotePayload { messageId: ID! status: QueueStatus! priority: MessagePriority! }
      type Query { count: Int! }
      type Mutation { submitQuote(input: SubmitQuoteInput!): SubmitQuotePayload! }
    `,
    resolvers: {
      Query: { count: () => (countRows.get() as { n: number }).n },
      Mutation: {
        submitQuote: (_: unknown, { input }: { input: SubmitInput }) => {
          const id = randomUUID();
          const priority = input.priority ?? 'NORMAL';
          insert.run(id, 'PENDING', priority, JSON.stringify(input.submission), Date.now());
          return { messageId: id, status: 'PENDING', priority };
        },
      },
    },
  }),
});

const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const url = `http://127.0.0.1:${port}/graphql`;
serveIpc({ url, wsUrl: url.replace(/^http/, 'ws') }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
