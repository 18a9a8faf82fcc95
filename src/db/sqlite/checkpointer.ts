// Checkpoints the write-ahead log from a worker thread on its own connection, off the event loop.
//
// SQLite's automatic checkpoint runs inside the commit that crosses `wal_autocheckpoint` pages: it copies the
// log into the database and fsyncs both, blocking the event loop for several milliseconds (the p95/p99 of
// submit-to-done). The store's connection sets `wal_autocheckpoint = 0` and this thread does the work instead.
// Durability is unchanged: a commit is as durable as before the moment it is in the log; the checkpoint only
// moves pages from the log into the database file.
//
// The thread reads the log's size from the WAL index (the `-shm` file: `mxFrame` at byte 16 of its header,
// `nBackfill` at byte 96, both in native byte order, see sqlite.org/walformat.html) every `pollMs` and runs a
// PASSIVE checkpoint (never waits on, nor blocks, a writer) once `pages` un-checkpointed frames have piled up,
// or after a quiet spell. A checkpoint running beside the writer rarely ends with nothing left to copy, so the
// log would never restart: once it is `restartPages` long the writer copies the small remainder itself (see
// afterCommit) and its next commit starts the log over. Should the log still grow to 2x that (a reader pinned
// it), the thread runs TRUNCATE, which waits for the writer and resets the file to zero bytes. If the index
// cannot be read, the thread falls back to a PASSIVE checkpoint every `pollMs * 10`.
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** Un-checkpointed log pages that start a PASSIVE checkpoint in the thread. Default 256. */
  pages?: number;
  /**
   * A log this long is restarted by the writer: it checkpoints the thread's small remainder itself, so that its
   * next commit writes from the start of the log again. Default 10000 (40 MiB of 4 KiB pages). Each restart blocks
   * the event loop for the remainder's copy and two fsyncs, so a longer log puts fewer of them in the latency tail,
   * at the cost of a log file that stays that long after a burst (bench/ROUNDS.md measured the choice).
   */
  restartPages?: number;
  /** How often the log's size is looked at. Default 10 ms. */
  pollMs?: number;
  /** The checkpoint connection's busy timeout (TRUNCATE waits for the writer). Default 5000. */
  busyTimeoutMs?: number;
  /** The thread could not start or died: the caller turns SQLite's automatic checkpoint back on. */
  onFailure?: (error: unknown) => void;
}

export interface Checkpointer {
  /**
   * Called by the writer after each commit (a 100-byte read of the WAL index). The thread checkpoints
   * concurrently with the writer, so under writes with no gaps it never catches up and the log never restarts;
   * the writer then checkpoints the small remainder itself (or, 500 pages past `restartPages`, all of it, as
   * SQLite's own automatic checkpoint would), which lets its next commit restart the log: the log stays bounded.
   */
  afterCommit(): void;
  /** Stops the thread and closes its connection; resolves when the thread has exited. */
  stop(): Promise<void>;
}

/** Frames in the log and frames already copied into the database, read from the WAL index; null if unreadable. */
export class WalIndex {
  private fd: number | null = null;
  private readonly header = Buffer.alloc(100);
  private readonly little = endianness() === 'LE';
  constructor(private readonly filename: string) {}
  read(): { frames: number; backfilled: number } | null {
    try {
      if (this.fd === null) this.fd = openSync(`${this.filename}-shm`, 'r');
      if (readSync(this.fd, this.header, 0, 100, 0) < 100) return null;
      const h = this.header;
      return this.little
        ? { frames: h.readUInt32LE(16), backfilled: h.readUInt32LE(96) }
        : { frames: h.readUInt32BE(16), backfilled: h.readUInt32BE(96) };
    } catch {
      this.close();
      return null;
    }
  }
  close(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {}
      this.fd = null;
    }
  }
}

// Plain CommonJS, evaluated as the thread's body: it runs the same under tsx, vitest and plain node.
const BODY = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const os = require('node:os');
const Database = require(workerData.driver);
const { filename, pages, maxPages, pollMs, busyTimeoutMs } = workerData;
const db = new Database(filename, { timeout: busyTimeoutMs });
db.pragma('wal_autocheckpoint = 0');
const little = os.endianness() === 'LE';
const header = Buffer.alloc(100);
let fd = null;
let quiet = 0;
let lastFrame = -1;
let blind = 0;
function readIndex() {
  try {
    if (fd === null) fd = fs.openSync(filename + '-shm', 'r');
    if (fs.readSync(fd, header, 0, 100, 0) < 100) return null;
    const mx = little ? header.readUInt32LE(16) : header.readUInt32BE(16);
    const done = little ? header.readUInt32LE(96) : header.readUInt32BE(96);
    return { mx, done };
  } catch {
    if (fd !== null) { try { fs.closeSync(fd); } catch {} fd = null; }
    return null;
  }
}
function checkpoint(mode) {
  try { db.pragma('wal_checkpoint(' + mode + ')'); } catch { /* busy or closing: the next tick tries again */ }
}
function tick() {
  const index = readIndex();
  if (index === null) {
    if (++blind >= 10) { blind = 0; checkpoint('PASSIVE'); }
    return;
  }
  const { mx, done } = index;
  if (mx > maxPages) { checkpoint('TRUNCATE'); quiet = 0; lastFrame = -1; return; }
  const behind = mx > done ? mx - done : 0;
  if (behind === 0) { quiet = 0; lastFrame = mx; return; }
  // The log stopped growing for a while: checkpoint what is there, so a quiet queue leaves a short log.
  quiet = mx === lastFrame ? quiet + 1 : 0;
  lastFrame = mx;
  if (behind >= pages || quiet >= 5) { checkpoint('PASSIVE'); quiet = 0; }
}
const timer = setInterval(tick, pollMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  if (fd !== null) { try { fs.closeSync(fd); } catch {} }
  try { db.close(); } catch {}
  parentPort.close();
});
`;

export function startCheckpointer(
  filename: string,
  checkpointInline: () => void,
  options: CheckpointerOptions = {},
): Checkpointer {
  const pages = options.pages ?? 256;
  const restartPages = options.restartPages ?? 10_000;
  const index = new WalIndex(filename);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(BODY, {
    eval: true,
    workerData: {
      driver,
      filename,
      pages,
      // The thread truncates only a log that got far past the writer's own bound (a reader pinned it).
      maxPages: restartPages * 2,
      pollMs: options.pollMs ?? 10,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    },
    // The thread never keeps the process alive; a process that exits without close() leaves a log that the
    // next opener checkpoints, exactly as after a crash.
    stdout: false,
    stderr: false,
  });
  worker.unref();
  let stopping: Promise<void> | null = null;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.once('error', (error) => {
      if (!stopping) options.onFailure?.(error);
      resolve();
    });
  });
  /** When the writer last read the index: at most once a millisecond, a few commits, far below the 500-page slack. */
  let readAt = 0;
  return {
    afterCommit() {
      const now = performance.now();
      if (now - readAt < 1) return;
      readAt = now;
      const wal = index.read();
      if (wal === null || wal.frames < restartPages) return;
      const behind = wal.frames - wal.backfilled;
      // Waits for the thread to have copied most of the log, unless the log keeps growing regardless.
      if (behind <= 2 * pages || wal.frames >= restartPages + 500) checkpointInline();
    },
    stop() {
      index.close();
      if (!stopping) {
        // Awaited by close(): the thread keeps the process alive until it has exited.
        worker.ref();
        worker.postMessage('stop');
        // A thread stuck in a checkpoint waiting on a lock is terminated after a while rather than awaited.
        const deadline = new Promise<void>((resolve) =>
          setTimeout(() => {
            void worker.terminate().then(() => resolve());
          }, 10_000).unref(),
        );
        stopping = Promise.race([exited, deadline]);
      }
      return stopping;
    },
  };
}
