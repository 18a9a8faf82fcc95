// The fleet: each process's heartbeat row, the list of live processes, and the shared pause (read by claims).
import type Database from 'better-sqlite3';
import type { ProcessInfo } from '../../queue/types.js';
import { type ProcessRow, toProcessInfo } from '../process-rows.js';
import { withBusyTimeout } from './busy-timeout.js';

export function prepareFleet(db: Database.Database) {
  const upsert = db.prepare(`INSERT INTO processes
      (id, host, pid, api, concurrency, running, started_at, heartbeat_at, expires_at)
    VALUES (@id, @host, @pid, @api, @concurrency, @running, @startedAt, @heartbeatAt, @expiresAt)
    ON CONFLICT (id) DO UPDATE SET concurrency = excluded.concurrency, running = excluded.running,
      heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`);
  const expire = db.prepare('DELETE FROM processes WHERE expires_at < ?');
  const paused = db.prepare('SELECT paused FROM fleet_state WHERE id = 1').pluck();
  const live = db.prepare('SELECT * FROM processes WHERE expires_at >= ? ORDER BY started_at, id');
  const remove = db.prepare('DELETE FROM processes WHERE id = ?');
  const setPaused = db.prepare(`INSERT INTO fleet_state (id, paused, changed_at) VALUES (1, ?, ?)
    ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at`);
  const beat = db.transaction((p: ProcessInfo, now: number) => {
    upsert.run({
      id: p.id,
      host: p.host,
      pid: p.pid,
      api: p.api ? 1 : 0,
      concurrency: p.concurrency,
      running: p.running,
      startedAt: p.startedAt.getTime(),
      heartbeatAt: p.lastHeartbeat.getTime(),
      expiresAt: p.expiresAt.getTime(),
    });
    expire.run(now);
    return { paused: paused.get() === 1 };
  });

  const busyTimeout = Number(db.pragma('busy_timeout', { simple: true }));

  return {
    /**
     * (this process, now in ms) -> whether the fleet is paused; stores the row and drops expired ones. Waits at
     * most 50 ms for the write lock: a heartbeat that finds it held longer fails (SQLITE_BUSY) and the next one tries
     * again, rather than holding the event loop for the busy timeout every second while another writer holds the
     * file (other processes' commits take a few milliseconds, so a beat rarely misses).
     */
    beat: (p: ProcessInfo, now: number): { paused: boolean } =>
      withBusyTimeout(db, 50, busyTimeout, () => beat.immediate(p, now)),
    /** (now in ms) -> the processes whose lease has not ended. */
    processes: (now: number): ProcessInfo[] => (live.all(now) as ProcessRow[]).map(toProcessInfo),
    /** (process id) -> removes its row. */
    leave: (id: string): void => void remove.run(id),
    /** (paused, now in ms) -> stores the fleet's pause. */
    setPaused: (value: boolean, now: number): void => void setPaused.run(value ? 1 : 0, now),
  };
}
