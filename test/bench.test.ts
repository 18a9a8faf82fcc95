// The benchmark runs once, quickly, in the test suite so that it never rots.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { spawnTs } from './helpers/child.js';
import { tempDb } from './helpers/sqlite.js';

it('npm run bench -- --quick runs every workload for every subject and writes each figure with its unit', async () => {
  const db = tempDb();
  try {
    const out = join(db.dir, 'results.json');
    // With a heap flag as `npm run bench` passes one, to see it recorded.
    const run = await spawnTs(
      'bench/run.ts',
      {},
      /written to/,
      ['--quick', '--out', out],
      ['--max-semi-space-size=16'],
    );
    expect(await run.exited).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({
      quick: true,
      node: process.version,
      cores: expect.any(Number),
      nodeFlags: ['--max-semi-space-size=16'],
      date: expect.any(String),
    });
    expect(results.depth.claimMsAt1k).toBeGreaterThan(0);
    expect(results.depth.claimMsAt1M).toBeGreaterThan(0);
    for (const f of results.figures) {
      expect(f).toMatchObject({
        workload: expect.any(String),
        subject: expect.any(String),
        unit: expect.any(String),
      });
      expect(Number.isFinite(f.value)).toBe(true);
    }
    // BullMQ is skipped only when Redis is down outside CI, and then said so.
    const skipped = new Set(results.notMeasured.map((m: { subject: string }) => m.subject));
    const subjects = ['quote-queue', 'raw-sqlite', 'plainjob', 'bullmq'].filter((s) => !skipped.has(s));
    if (process.env.CI === 'true') expect(subjects).toContain('bullmq');
    for (const workload of ['enqueue', 'drain', 'latency']) {
      for (const subject of subjects) {
        expect(
          results.figures.some(
            (f: { workload: string; subject: string }) => f.workload === workload && f.subject === subject,
          ),
          `${workload} for ${subject}`,
        ).toBe(true);
      }
    }
    // The drain's CPU per message, every process of the subject counted (BullMQ's Redis server included).
    for (const subject of subjects) {
      const cpu = results.figures.find(
        (f: { workload: string; subject: string; unit: string }) =>
          f.workload === 'drain' && f.subject === subject && f.unit === 'µs/msg',
      );
      expect(cpu?.value, `drain CPU per message for ${subject}`).toBeGreaterThan(0);
    }
    // Workloads 5, 6 and 7: the real service and the bare yoga server, each in its own process.
    const of = (workload: string, subject: string) =>
      results.figures.filter(
        (f: { workload: string; subject: string }) => f.workload === workload && f.subject === subject,
      );
    for (const subject of ['quote-queue', 'bare-yoga', 'ours / bare-yoga']) {
      const metrics = of('graphql-submit', subject).map((f: { metric: string }) => f.metric);
      expect(
        metrics.some((m: string) => m.endsWith('throughput')),
        `graphql-submit for ${subject}`,
      ).toBe(true);
      expect(
        metrics.some((m: string) => m.endsWith('p99')),
        `graphql-submit p99 for ${subject}`,
      ).toBe(true);
    }
    for (const f of of('graphql-submit', 'quote-queue')) expect(f.value).toBeGreaterThan(0);
    const subs = of('subscriptions', 'quote-queue');
    expect(subs.find((f: { metric: string }) => f.metric.endsWith('delivery, p99'))).toMatchObject({
      unit: 'ms',
      value: expect.any(Number),
    });
    expect(
      subs.find((f: { metric: string }) => f.metric.endsWith('p99, graphql-ws client library')),
    ).toMatchObject({ unit: 'ms', value: expect.any(Number) });
    expect(subs.find((f: { metric: string }) => f.metric.endsWith('heap per subscriber'))).toMatchObject({
      unit: 'KB',
    });
    // Workload 7: subscribers each following its own quote while the worker drains them, beside queueStats ones.
    const followers = of('followers', 'quote-queue') as { metric: string; value: number; unit: string }[];
    const follower = (what: string) => followers.find((f) => f.metric.endsWith(`, ${what}`));
    expect(follower('commit to delivery, p99')).toMatchObject({ unit: 'ms', value: expect.any(Number) });
    expect(follower('server heap per subscriber')).toMatchObject({ unit: 'KB', value: expect.any(Number) });
    expect(follower('drain')?.value).toBeGreaterThan(0);
    // The drain's anatomy: ceilings beside ours, statement times, and a log census that adds up.
    const anatomy = (subject: string) => of('drain-anatomy', subject) as { metric: string; value: number }[];
    expect(anatomy('raw-batched')).toHaveLength(2);
    for (const f of anatomy('raw-batched')) expect(f.value).toBeGreaterThan(0);
    const ours = anatomy('quote-queue');
    const value = (metric: string) => ours.find((f) => f.metric === metric)?.value;
    expect(value('SQLite: COMMIT (writing the log)')).toBeGreaterThan(0);
    // The old page cache's drain beside ours: the evidence for DEFAULT_CACHE_KIB (src/db/sqlite/open.ts).
    expect(ours.find((f) => f.metric.startsWith('ours with a 32 MB page cache'))?.value).toBeGreaterThan(0);
    expect(value('SQLite: claim UPDATE ... RETURNING')).toBeGreaterThan(0);
    expect(value('SQLite: settle UPDATE (one per message)')).toBeGreaterThan(0);
    const perCommit = value('log pages per commit')!;
    // Every commit writes at least the messages table, its events and page 1; the parts add up to the whole.
    expect(perCommit).toBeGreaterThan(3);
    const parts = ours.filter((f) => f.metric.startsWith('log pages per commit: '));
    expect(parts.map((f) => f.metric)).toContain('log pages per commit: message_events');
    expect(parts.reduce((sum, f) => sum + f.value, 0)).toBeCloseTo(perCommit, 0);
    // Real quotes: underwriting alone, and the service process draining plain and agentic quotes beside its
    // no-op drain, and followed end to end over HTTP and WebSocket; every submitted quote completes.
    const underwriting = of('underwriting', 'quote-queue') as {
      metric: string;
      value: number;
      unit: string;
    }[];
    expect(underwriting.map((f) => f.metric).sort()).toEqual([
      'CPU per agentic quote, deterministic provider',
      'CPU per plain quote, deterministic provider',
    ]);
    for (const f of underwriting) expect(f).toMatchObject({ unit: 'µs', value: expect.any(Number) });
    const quotes = [...of('quotes', 'quote-queue'), ...of('quotes', 'service, no-op processor')] as {
      metric: string;
      value: number;
      unit: string;
    }[];
    const quote = (start: string) => quotes.find((f) => f.metric.startsWith(start));
    for (const drain of ['drain 500 plain quotes', 'drain 200 agentic quotes', 'drain 500 no-op messages']) {
      expect(quote(drain)?.value, drain).toBeGreaterThan(0);
      expect(quotes.find((f) => f.metric.startsWith(drain) && f.unit === 'µs/msg')?.value).toBeGreaterThan(0);
    }
    expect(quote('plain quotes / no-op')?.value).toBeGreaterThan(0);
    expect(quote('100 submitQuote at 500/s')?.value).toBeGreaterThan(0);
    expect(quotes.find((f) => f.metric.endsWith('COMPLETED, completed'))?.value).toBe(100);
    // Webhooks: the drain with one endpoint on a local receiver beside the drain without, and the calls' rate.
    const hooks = of('webhooks', 'quote-queue') as { metric: string; value: number }[];
    for (const start of [
      'drain 500 plain quotes, no webhook',
      'drain 500 plain quotes, one webhook',
      '500 webhook calls',
    ])
      expect(hooks.find((f) => f.metric.startsWith(start))?.value, start).toBeGreaterThan(0);
    expect(
      hooks.find((f) => f.metric === 'one webhook endpoint / none, drain, per round')?.value,
    ).toBeGreaterThan(0);
    expect(hooks.find((f) => f.metric === 'traces exported / none, drain, per round')?.value).toBeGreaterThan(
      0,
    );
    // PostgreSQL (issue 19): ours beside graphile-worker and pg-boss and ours on SQLite, every workload, and the
    // service on each engine; skipped only when PostgreSQL is down outside CI, and then said so.
    const pgSkipped = results.notMeasured.some((m: { workload: string }) => m.workload === 'postgres');
    if (process.env.CI === 'true') expect(pgSkipped).toBe(false);
    if (!pgSkipped) {
      for (const subject of ['quote-queue-pg', 'graphile-worker', 'pg-boss', 'quote-queue']) {
        const pg = of('postgres', subject) as { metric: string; value: number }[];
        for (const start of [
          '200 one at a time',
          '500 in batches',
          'drain 500 no-op',
          'submit to completed',
        ]) {
          expect(
            pg.find((f) => f.metric.startsWith(start))?.value,
            `${start} for ${subject}`,
          ).toBeGreaterThan(0);
        }
      }
      for (const subject of ['quote-queue-pg', 'quote-queue']) {
        const service = of('postgres-service', subject) as { metric: string; value: number }[];
        expect(service.find((f) => f.metric.startsWith('service: drain 500 plain'))?.value).toBeGreaterThan(
          0,
        );
        expect(service.find((f) => f.metric.endsWith('COMPLETED, completed'))?.value).toBe(100);
      }
    }
    // One machine on both cores (issue 20): each mode's first submissions after /ready (500 in a quick run); the
    // steady p99 and its ratio to the API alone for the modes that run one.
    const cores = of('cores', 'quote-queue') as { metric: string; value: number }[];
    for (const mode of [
      'API alone',
      'worker in the API process',
      'worker in a child process',
      'worker in a niced child process',
      'worker in a niced child process, no warm-up',
    ])
      expect(cores.find((f) => f.metric.startsWith(`${mode}: first 500 `))?.value, mode).toBeGreaterThan(0);
    for (const mode of [
      'worker in the API process',
      'worker in a child process',
      'worker in a niced child process',
    ])
      expect(
        cores.find((f) => f.metric === `${mode}: submitQuote p99 / API alone, per round`)?.value,
      ).toBeGreaterThan(0);
    // The fleet (issue 20): 1 and 2 worker processes draining, delivery across processes, submit with and without
    // a worker process draining; on PostgreSQL, so skipped with the other PostgreSQL workloads.
    if (!pgSkipped) {
      const fleet = (workload: string) =>
        results.figures.filter((f: { workload: string }) => f.workload === workload) as {
          subject: string;
          metric: string;
          value: number;
          unit: string;
        }[];
      for (const subject of ['1 worker process', '2 worker processes']) {
        const drain = fleet('fleet-drain').filter((f) => f.subject === subject);
        expect(drain.find((f) => f.unit === 'msg/s')?.value, subject).toBeGreaterThan(0);
        for (const what of ['worker processes', 'API process', 'PostgreSQL backends'])
          expect(drain.find((f) => f.metric.endsWith(`CPU per message, ${what}`))?.unit).toBe('µs/msg');
      }
      expect(fleet('fleet-drain').find((f) => f.unit === 'x')?.value).toBeGreaterThan(0);
      const p99 = fleet('fleet-delivery').find((f) => f.metric.endsWith('change to delivery, p99'));
      expect(p99).toMatchObject({ unit: 'ms', value: expect.any(Number) });
      expect(p99!.value).toBeGreaterThan(0);
      for (const subject of ['API process alone', 'API + worker process']) {
        const submit = fleet('fleet-submit').filter((f) => f.subject === subject);
        expect(submit.find((f) => f.metric.endsWith(', p99'))?.value, subject).toBeGreaterThan(0);
      }
      expect(
        fleet('fleet-submit').find((f) => f.metric.endsWith('draining, drained'))?.value,
      ).toBeGreaterThan(0);
    }
  } finally {
    await db.cleanup();
  }
}, 420_000);
