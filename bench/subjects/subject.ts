// What every benchmarked queue offers the workloads: add one, add a batch, work with a no-op processor.
import type { Json } from '../../src/queue/types.js';

export type BenchPayload = { n: number } & { [key: string]: Json };

/** The payload every subject stores for each message: a quote submission of typical size, numbered. */
export function benchPayload(n: number): BenchPayload {
  return {
    n,
    applicantName: 'Bench Applicant',
    address: '1 Main St, Austin, TX 78701',
    propertyType: 'SINGLE_FAMILY',
    coverageAmount: 250_000,
    yearBuilt: 1998,
    constructionType: 'FRAME',
  };
}

export interface Instance {
  /** Stores one message and resolves once it is accepted (durably, as far as the subject promises). */
  add(payload: BenchPayload): Promise<void>;
  /** Stores many in one call, when the subject's API offers it. */
  addBatch?(payloads: BenchPayload[]): Promise<void>;
  /**
   * After the drain's messages are stored, before its clock starts: VACUUM ANALYZE on PostgreSQL (the local server
   * runs without autovacuum), the same for every PostgreSQL subject.
   */
  seeded?(): Promise<void>;
  /** Starts processing with a no-op processor; `done(n)` is called once message `n` is completed. */
  work(concurrency: number, done: (n: number) => void): Promise<void>;
  /**
   * CPU time, in microseconds since some fixed point, that the subject spent outside this process (BullMQ's Redis
   * server); absent when all of its work runs in this process.
   */
  cpuElsewhereUs?(): Promise<number>;
  close(): Promise<void>;
}

export interface Subject {
  name: string;
  /** A fresh, empty queue (a new file, a new Redis queue name). */
  open(): Promise<Instance>;
  /** Workloads it cannot do, with the reason shown in the table. */
  cannot?: { batch?: string };
  /** How it was set up, for the notes under the table. */
  note: string;
}
