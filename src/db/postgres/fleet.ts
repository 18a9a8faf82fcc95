// The fleet: each process's heartbeat row, the list of live processes, and the shared pause (read by claims).
import type { Sql, TransactionSql } from 'postgres';
import type { ProcessInfo } from '../../queue/types.js';
import { type ProcessRow, toProcessInfo } from '../process-rows.js';

/** Stores this process's row, drops rows whose lease ended before `now`; returns whether the fleet is paused. */
export async function beat(sql: TransactionSql, p: ProcessInfo, now: number): Promise<{ paused: boolean }> {
  await sql`INSERT INTO processes
      (id, host, pid, api, concurrency, running, started_at, heartbeat_at, expires_at)
    VALUES (${p.id}, ${p.host}, ${p.pid}, ${p.api ? 1 : 0}, ${p.concurrency}, ${p.running},
      ${p.startedAt.getTime()}, ${p.lastHeartbeat.getTime()}, ${p.expiresAt.getTime()})
    ON CONFLICT (id) DO UPDATE SET concurrency = excluded.concurrency, running = excluded.running,
      heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`;
  await sql`DELETE FROM processes WHERE expires_at < ${now}`;
  const [row] = await sql<{ paused: number }[]>`SELECT paused FROM fleet_state WHERE id = 1`;
  return { paused: row?.paused === 1 };
}

/** The processes whose lease has not ended at `now`, oldest start first. */
export async function liveProcesses(sql: Sql, now: number): Promise<ProcessInfo[]> {
  const rows = await sql<ProcessRow[]>`SELECT * FROM processes
    WHERE expires_at >= ${now} ORDER BY started_at, id`;
  return rows.map(toProcessInfo);
}

/** Removes one process's row. */
export async function leave(sql: Sql, id: string): Promise<void> {
  await sql`DELETE FROM processes WHERE id = ${id}`;
}

/** Stores the fleet's pause. */
export async function setPaused(sql: Sql, paused: boolean, now: number): Promise<void> {
  await sql`INSERT INTO fleet_state (id, paused, changed_at) VALUES (1, ${paused ? 1 : 0}, ${now})
    ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at`;
}
