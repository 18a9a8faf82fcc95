// A `processes` row (the fleet's heartbeat table) as both engines store it, and how it reads back.
import type { ProcessInfo } from '../queue/types.js';

export interface ProcessRow {
  id: string;
  host: string;
  pid: number;
  api: number;
  concurrency: number;
  running: number;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export function toProcessInfo(row: ProcessRow): ProcessInfo {
  return {
    id: row.id,
    host: row.host,
    pid: Number(row.pid),
    api: Number(row.api) === 1,
    concurrency: Number(row.concurrency),
    running: Number(row.running),
    startedAt: new Date(Number(row.started_at)),
    lastHeartbeat: new Date(Number(row.heartbeat_at)),
    expiresAt: new Date(Number(row.expires_at)),
  };
}
