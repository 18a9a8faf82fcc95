// The service for the followers workload (bench/followers.ts): startRuntime + createServer as src/main.ts runs
// them, the quote processor with the deterministic provider, WORKER_CONCURRENCY=10, open mode on 127.0.0.1,
// silent logs, room for 1,000 sockets from one address. On `follow-seed` it stores that many plain quotes in
// one transaction with the worker paused (so subscribers can open on PENDING messages) and answers with their
// ids; on `follow-go` it resumes the worker and, once every quote completed, answers with when each change was
// published after its commit (the feed publishes a local change right after its transaction commits).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { newMessageId } from '../../src/queue/ids.js';
import type { Json, NewMessage } from '../../src/queue/types.js';
import type { AttemptInfo } from '../../src/queue/worker.js';
import { autoPriority } from '../../src/quotes/priority.js';
import { parseSubmission } from '../../src/quotes/submission.js';
import { startRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { quotePayload } from '../quote-payloads.js';
import { serveIpc, type ToChild } from './child.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-follow-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: join(dir, 'quotes.db'),
  WORKER_CONCURRENCY: '10',
  MAX_QUEUE_SIZE: '10000000',
  WS_MAX_CONNECTIONS_PER_CLIENT: '1000',
  LOG_LEVEL: 'silent',
});
const logger = createLogger(config.LOG_LEVEL);
const metrics = createMetrics();
let drain: { expect: number; completed: number; t0: number } | null = null;
/** Index of each seeded message, and when each of its changes was published: index, version, epoch ms. */
const indexOf = new Map<string, number>();
let commits: number[] = [];
const epochNow = () => performance.timeOrigin + performance.now();
const onAttempt = (info: AttemptInfo) => {
  metrics.onAttempt(info);
  if (drain && info.outcome === 'COMPLETED' && ++drain.completed === drain.expect) {
    const seconds = (performance.now() - drain.t0) / 1000;
    drain = null;
    // The completion's own event is published after onAttempt: answer on a later turn.
    setTimeout(() => {
      process.send?.({ type: 'follow-drained', seconds, commits });
      commits = [];
    }, 200);
  }
};
const runtime = await startRuntime({ config, logger, onAttempt });
runtime.worker?.pause();
runtime.events.onChange((event) => {
  const index = indexOf.get(event.messageId);
  if (index !== undefined) commits.push(index, event.version, epochNow());
});
const server = await createServer({ runtime, config, logger, metrics, closeGraceMs: 1000 });

process.on('message', (m: ToChild) => {
  if (m.type === 'follow-seed') {
    const now = new Date();
    const messages = Array.from({ length: m.n }, (_, i) => message(i, now));
    indexOf.clear();
    for (const [i, msg] of messages.entries()) indexOf.set(msg.id, i);
    void runtime.store.enqueueMany(messages, { maxSize: config.MAX_QUEUE_SIZE }, now).then(() => {
      process.send?.({ type: 'seeded', ids: messages.map((msg) => msg.id) });
    });
  } else if (m.type === 'follow-go') {
    commits = [];
    drain = { expect: indexOf.size, completed: 0, t0: performance.now() };
    runtime.worker?.resume();
    runtime.feed.nudge();
  }
});
serveIpc({ url: server.url, wsUrl: server.wsUrl }, async () => {
  await server.close();
  await runtime.stop(0);
  rmSync(dir, { recursive: true, force: true });
});

function message(n: number, now: Date): NewMessage {
  const payload = parseSubmission(quotePayload(n));
  return {
    id: newMessageId(),
    priority: autoPriority(payload.coverageAmount),
    payload: payload as unknown as Json,
    useAgentic: false,
    simulate: null,
    maxRetries: 3,
    timeoutSeconds: 300,
    owner: 'bench',
    idempotencyKey: null,
    createdAt: now,
  };
}
