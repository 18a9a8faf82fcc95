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

  async getMany(messageIds: string[]): Promise<Map<string, string>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.run(
      () => this.sql<{ message_id: string; traceparent: string }[]>`SELECT message_id, traceparent
        FROM message_traces WHERE message_id = ANY(${messageIds}::text[])`,
    );
    return new Map(rows.map((r) => [r.message_id, r.traceparent]));
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
