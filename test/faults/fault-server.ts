// A real server (timeouts shortened at will) whose SQLite connection the test can reach (to make it read-only or resize its cap), and
// the checks every storage-fault test ends with: the file is intact and every accepted message is there.
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type AppServer, createServer, type ServerTimeouts } from '../../src/server/app.js';
import { type GraphQLResponse, SUBMISSION, SUBMIT } from '../helpers/server.js';
import { tempDb } from '../helpers/sqlite.js';

export interface FaultServer {
  base: string;
  url: string;
  wsUrl: string;
  runtime: Runtime;
  server: AppServer;
  dbPath: string;
  /** The service's own connection (PRAGMA query_only, max_page_count). */
  db: Database.Database;
  submit(n: number): Promise<GraphQLResponse<{ submitQuote: { messageId: string } }>>;
  ready(): Promise<{ status: number; body: { status: string; reason?: string }; ms: number }>;
  stop(): Promise<void>;
}

export async function startFaultServer(
  env: Record<string, string> = {},
  timeouts: Partial<ServerTimeouts> = {},
): Promise<FaultServer> {
  const temp = tempDb();
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: temp.path,
    WORKER_CONCURRENCY: '0',
    LOG_LEVEL: 'silent',
    MAX_QUEUE_SIZE: '100000',
    ...env,
  });
  const logger = createLogger(config.LOG_LEVEL);
  let db: Database.Database | undefined;
  const runtime = await startRuntime({
    config,
    logger,
    onSqliteOpen: (opened) => {
      db = opened;
    },
  });
  const server = await createServer({ runtime, config, logger, closeGraceMs: 500, timeouts });
  const base = server.url.replace('/graphql', '');
  return {
    base,
    url: server.url,
    wsUrl: server.wsUrl,
    runtime,
    server,
    dbPath: temp.path,
    db: db!,
    async submit(n) {
      const submission = { ...SUBMISSION, applicantName: `Applicant ${n}` };
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: SUBMIT, variables: { input: { submission } } }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    async ready() {
      const started = performance.now();
      const res = await fetch(`${base}/ready`);
      return { status: res.status, body: (await res.json()) as never, ms: performance.now() - started };
    },
    async stop() {
      await server.close();
      await runtime.stop(200);
      await temp.cleanup();
    },
  };
}

/** Submits until one is refused; returns the accepted ids and the refusal. */
export async function submitUntilRefused(
  t: FaultServer,
  max: number,
): Promise<{ accepted: string[]; refusal: GraphQLResponse }> {
  const accepted: string[] = [];
  for (let n = 0; n < max; n++) {
    const res = await t.submit(n);
    if (res.errors) return { accepted, refusal: res };
    accepted.push(res.data!.submitQuote.messageId);
  }
  throw new Error(`all ${max} submissions were accepted`);
}

/** Asks /ready until it answers `status` (each answer is cached for about a second). */
export async function readyBecomes(t: FaultServer, status: number, withinMs = 5000): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    const res = await t.ready();
    if (res.status === status) return;
    if (Date.now() > until) throw new Error(`/ready stayed ${res.status}: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PRAGMA integrity_check on a separate connection, and every accepted message present as submitted. */
export function expectIntact(t: FaultServer, accepted: string[]): void {
  const check = new Database(t.dbPath, { readonly: true });
  try {
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = check.prepare('SELECT id, payload FROM messages').all() as { id: string; payload: string }[];
    const stored = new Map(rows.map((r) => [r.id, JSON.parse(r.payload) as { applicantName: string }]));
    accepted.forEach((id, n) => {
      expect(stored.get(id)?.applicantName, `message ${n}`).toBe(`Applicant ${n}`);
    });
    // A refused submission left nothing behind: exactly the accepted messages are stored.
    expect(stored.size).toBe(accepted.length);
  } finally {
    check.close();
  }
}
