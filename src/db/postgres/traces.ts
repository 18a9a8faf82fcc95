// The traceparents of messages on PostgreSQL (src/tracing/store.ts).
import type { Sql } from 'postgres';
import { StorageUnavailableError } from '../../queue/errors.js';
import type { TraceStore } from '../../tracing/store.js';
import { storageFault } from './faults.js';

export class PostgresTraceStore implements TraceStore {
  constructor(private readonly sql: Sql) {}

  async save(messageIds: string[], traceparent: string, now: Date): Promise<void> {
    await this.run(
      () => this.sql`INSERT INTO message_traces (message_id, traceparent, created_at)
        SELECT unnest(${messageIds}::text[]), ${traceparent}, ${now.getTime()} ON CONFLICT DO NOTHING`,
    );
  }

  async get(messageId: string): Promise<string | null> {
    const [row] = await this.run(
      () => this.sql<{ traceparent: string }[]>`SELECT traceparent FROM message_traces
        WHERE message_id = ${messageId}`,
    );
    return row?.traceparent ?? null;
  }

  async purge(before: Date): Promise<number> {
    const done = await this.run(
      () => this.sql`DELETE FROM message_traces WHERE created_at < ${before.getTime()}`,
    );
    return done.count;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const reason = storageFault(error);
      if (reason) throw new StorageUnavailableError(reason);
      throw error;
    }
  }
}
