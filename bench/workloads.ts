// Workloads 1-3, the same for every subject: enqueue, drain, and end-to-end latency under a steady rate.
import { percentile } from './stats.js';
import { benchPayload, type Subject } from './subjects/subject.js';

const BATCH = 1000;

/** Workload 1: messages per second accepted, one awaited call at a time, or in batches of 1,000. */
export async function enqueueRate(subject: Subject, n: number, batched: boolean): Promise<number> {
  const q = await subject.open();
  try {
    const t0 = performance.now();
    if (batched) {
      for (let i = 0; i < n; i += BATCH) {
        const list = [];
        for (let j = i; j < Math.min(n, i + BATCH); j++) list.push(benchPayload(j));
        await q.addBatch!(list);
      }
    } else {
      for (let i = 0; i < n; i++) await q.add(benchPayload(i));
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await q.close();
  }
}

export interface Drain {
  /** Messages per second. */
  rate: number;
  /**
   * CPU time per message, all of the subject's processes: this process (every thread: the checkpointer, libuv's
   * pool) plus what the subject spent elsewhere (BullMQ's Redis server). Throughput on two cores rewards a queue
   * that spreads its work over both; this says what each message cost.
   */
  cpuUsPerMsg: number;
}

/** Workload 2: `n` queued no-op messages drained at `concurrency`; messages per second and CPU per message. */
export async function drainRate(
  subject: Subject,
  n: number,
  concurrency: number,
  timeoutMs = 120_000,
): Promise<Drain> {
  const q = await subject.open();
  try {
    for (let i = 0; i < n; i += BATCH) {
      const list = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) list.push(benchPayload(j));
      if (q.addBatch) await q.addBatch(list);
      else for (const p of list) await q.add(p);
    }
    await q.seeded?.();
    let left = n;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const elsewhere0 = (await q.cpuElsewhereUs?.()) ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await q.work(concurrency, () => {
      if (--left === 0) finished();
    });
    await withTimeout(all, timeoutMs, `${subject.name} drain`);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elsewhere = ((await q.cpuElsewhereUs?.()) ?? 0) - elsewhere0;
    return { rate: n / seconds, cpuUsPerMsg: (cpu.user + cpu.system + elsewhere) / n };
  } finally {
    await q.close();
  }
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Workload 3: `n` submissions at a steady `rate` per second while the worker runs at `concurrency`;
 * milliseconds from the submit call to the subject reporting the message completed.
 */
export async function latency(
  subject: Subject,
  n: number,
  rate: number,
  concurrency: number,
): Promise<Latency> {
  const q = await subject.open();
  try {
    const submitted = new Float64Array(n);
    const took: number[] = [];
    let finished!: () => void;
    const all = new Promise<void>((resolve) => {
      finished = resolve;
    });
    await q.work(concurrency, (i) => {
      took.push(performance.now() - submitted[i]!);
      if (took.length === n) finished();
    });
    // Open loop: each submission goes at its scheduled time whether or not earlier ones were answered.
    const t0 = performance.now();
    const interval = 1000 / rate;
    const adds: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const wait = t0 + i * interval - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      submitted[i] = performance.now();
      adds.push(q.add(benchPayload(i)));
    }
    await Promise.all(adds);
    await withTimeout(all, 60_000, `${subject.name} latency`);
    return { p50: percentile(took, 50), p95: percentile(took, 95), p99: percentile(took, 99) };
  } finally {
    await q.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
