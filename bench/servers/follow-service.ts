// The service for the followers workload (bench/followers.ts): startRuntime + createServer as src/main.ts runs
// them, the quote processor with the deterministic provider, WORKER_CONCURRENCY=10, open mode on 127.0.0.1,
// silent logs, room for 1,000 sockets from one address. On `follow-seed` it stores that many plain quotes in
// one transaction with the worker paused (so subscribers can open on PENDING messages) and answers with their
// ids; on `follow-go` it resumes the worker and, once every quote completed, answers with when each change was
// published after its commit (the feed publishes a local change right after its transaction commits).
// The fleet workloads (bench/fleet.ts) run it as a worker process of a fleet: BENCH_DB names the PostgreSQL
// schema's URL (default a fresh SQLite file), BENCH_API=false leaves the HTTP server out (startRuntime as
// src/worker-main.ts runs it), BENCH_POOL_SIZE sets DATABASE_POOL_SIZE; `follow-go` with a count then answers once
// this process has seen that many messages completed, by itself or by another process, and `follow-pause` pauses
// and resumes its worker (started together over IPC: a stored resumeWorker reaches each process at its next
// heartbeat, up to a second apart).

import { createLogger } from '../../src/logger.js';
import type { Json, NewMessage } from '../../src/queue/types.js';
import type { AttemptInfo } from '../../src/queue/worker.js';
import { autoPriority } from '../../src/quotes/priority.js';
import { parseSubmission } from '../../src/quotes/submission.js';
import { startRuntime } from '../../src/runtime.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { benchMessage } from '../messages.js';
import { quotePayload } from '../quote-payloads.js';
import { serveIpc, type ToChild } from './child.js';
import { benchServiceConfig } from './service-config.js';

const api = process.env.BENCH_API !== 'false';
const { config, cleanup } = benchServiceConfig('bench-follow-', 10);
const logger = createLogger(config.LOG_LEVEL);
const metrics = createMetrics();
let drain: { expect: number; completed: number; t0: number } | null = null;
/** A fleet's drain (`follow-go` with a count): COMPLETED changes this process has seen, from any process. */
let fleetDrain: { expect: number; completed: number; t0: number } | null = null;
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
const runtime = await startRuntime({
  config,
  logger,
  onAttempt,
  ...(api ? {} : { withWorker: true, api: false }),
});
runtime.worker?.pause();
runtime.events.onChange((event) => {
  const index = indexOf.get(event.messageId);
  if (index !== undefined) commits.push(index, event.version, epochNow());
  if (fleetDrain && event.message.status === 'COMPLETED' && ++fleetDrain.completed === fleetDrain.expect) {
    const seconds = (performance.now() - fleetDrain.t0) / 1000;
    fleetDrain = null;
    process.send?.({ type: 'follow-drained', seconds, commits });
    commits = [];
  }
});
const server = api ? await createServer({ runtime, config, logger, metrics, closeGraceMs: 1000 }) : null;

process.on('message', (m: ToChild) => {
  if (m.type === 'follow-seed') {
    // Paused again for a later round: its quotes wait for `follow-go`, as the first round's do.
    runtime.worker?.pause();
    const now = new Date();
    const messages = Array.from({ length: m.n }, (_, i) => message(i, now));
    indexOf.clear();
    for (const [i, msg] of messages.entries()) indexOf.set(msg.id, i);
    void runtime.store.enqueueMany(messages, { maxSize: config.MAX_QUEUE_SIZE }, now).then(() => {
      process.send?.({ type: 'seeded', ids: messages.map((msg) => msg.id) });
    });
  } else if (m.type === 'follow-go') {
    commits = [];
    if (m.count === undefined) drain = { expect: indexOf.size, completed: 0, t0: performance.now() };
    else fleetDrain = { expect: m.count, completed: 0, t0: performance.now() };
    runtime.worker?.resume();
    runtime.feed.nudge();
  } else if (m.type === 'follow-pause') {
    if (m.paused) runtime.worker?.pause();
    else {
      runtime.worker?.resume();
      runtime.feed.nudge();
    }
  }
});
serveIpc({ url: server?.url ?? '', wsUrl: server?.wsUrl ?? '' }, async () => {
  await server?.close();
  await runtime.stop(0);
  cleanup();
});

function message(n: number, now: Date): NewMessage {
  const payload = parseSubmission(quotePayload(n));
  return benchMessage({
    priority: autoPriority(payload.coverageAmount),
    payload: payload as unknown as Json,
    createdAt: now,
  });
}
