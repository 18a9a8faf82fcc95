// The traceparents of messages on SQLite (src/tracing/store.ts).
import type Database from 'better-sqlite3';
import type { TraceStore } from '../../tracing/store.js';
import { guard } from './faults.js';

export class SqliteTraceStore implements TraceStore {
  private readonly saveTx;
  private readonly read;
  private readonly remove;

  constructor(db: Database.Database) {
    const insert = db.prepare(
      'INSERT INTO message_traces (message_id, traceparent, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.saveTx = db.transaction((ids: string[], traceparent: string, now: number) => {
      for (const id of ids) insert.run(id, traceparent, now);
    });
    this.read = db
      .prepare(
        'SELECT message_id, traceparent FROM message_traces WHERE message_id IN (SELECT value FROM json_each(?))',
      )
      .raw(true);
    this.remove = db.prepare('DELETE FROM message_traces WHERE created_at < ?');
  }

  async save(messageIds: string[], traceparent: string, now: Date): Promise<void> {
    guard(() => this.saveTx.immediate(messageIds, traceparent, now.getTime()));
  }

  async getMany(messageIds: string[]): Promise<Map<string, string>> {
    if (messageIds.length === 0) return new Map();
    return guard(() => new Map(this.read.all(JSON.stringify(messageIds)) as [string, string][]));
  }

  async purge(before: Date): Promise<number> {
    return guard(() => this.remove.run(before.getTime()).changes);
  }
}
