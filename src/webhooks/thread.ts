// The webhook dispatcher in a worker thread of its own (thread-main.ts), behind the Dispatcher interface.
//
// An HTTP call per delivery, its share of the transactions that make, claim and settle deliveries, and the bodies
// they carry cost the event loop they run on about as much as the quote they report. The dispatcher already works only from the stored log, so the thread
// runs the same dispatcher on connections of its own and this side only tells it when to look: a wake-up at most
// every `batchMs` while delivered kinds of change are published here (other processes' changes reach it through
// its poll), and a kick when this process created or deleted an endpoint. Every guarantee stays the dispatcher's
// and the store's: the cursor, the leases, the calls' checks, timeout and signature are the same code.
//
// The thread starts once an endpoint exists (a process with none pays nothing), and again after it died (an
// error logged; leases it held run out and are called again). It starts from a bundled entry (thread-entry.ts),
// or from source when there is none or the bundle failed to start it.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StoreConfig } from '../db/open-store.js';
import type { QueueEvents } from '../queue/events.js';
import type { Dispatcher, DispatcherOptions } from './dispatcher.js';
import { DELIVERED_KINDS } from './kinds.js';
import { DEFAULT_BUNDLE, type EntryKind, threadEntry } from './thread-entry.js';

/** What the thread is started with (structured-cloned: data only). */
export interface ThreadData {
  store: StoreConfig;
  /** PostgreSQL connections of the thread's own pool. */
  poolSize: number;
  allowPrivate: boolean;
  retryBaseMs: number;
  workerId: string;
  pollMs?: number;
  retentionMs?: number;
  concurrency?: number;
  /** Whether delivered calls are reported too (debug logging); failed ones always are. */
  reportDelivered: boolean;
  /** The thread's nice value (THREAD_NICE). */
  nice: number;
}

/**
 * The webhook thread's nice value, above the process's 0: deliveries are background work, so when the cores are
 * busy the threads processing quotes go first and the calls catch up once they are not (the log keeps them).
 */
export const THREAD_NICE = 10;

export type ToThread =
  | { type: 'wake' }
  | { type: 'kick'; endpointsChanged: boolean }
  | { type: 'idle'; id: number }
  | { type: 'stop' };

export type FromThread =
  | { type: 'ready' }
  | { type: 'idle'; id: number }
  | { type: 'error'; message: string; stack?: string }
  | { type: 'call'; info: Parameters<NonNullable<DispatcherOptions['onCall']>>[0] };

export interface ThreadDispatcherOptions extends Omit<ThreadData, 'poolSize' | 'nice'> {
  poolSize?: number;
  nice?: number;
  events: QueueEvents;
  /** Whether any endpoint exists (read on this side before the thread is started). */
  hasEndpoints: () => Promise<boolean>;
  /** How long after a delivered kind of change the thread is woken, taking the changes meanwhile along. Default 20. */
  batchMs?: number;
  onError?: (error: unknown) => void;
  onCall?: DispatcherOptions['onCall'];
  /** Where the thread's bundled entry is cached (thread-entry.ts); null: always from source. */
  bundleFile?: string | null;
}

export interface ThreadDispatcher extends Dispatcher {
  /** What the running thread was started from (null while none runs). */
  readonly entry: EntryKind | null;
}

const KINDS = new Set<string>(DELIVERED_KINDS);

export function createThreadDispatcher(options: ThreadDispatcherOptions): ThreadDispatcher {
  const {
    events,
    hasEndpoints,
    batchMs = 20,
    onError = () => {},
    onCall,
    bundleFile = DEFAULT_BUNDLE,
    ...rest
  } = options;
  const data: ThreadData = { ...rest, poolSize: options.poolSize ?? 2, nice: options.nice ?? THREAD_NICE };
  const pollMs = options.pollMs ?? 1000;
  let thread: {
    worker: Worker;
    entry: EntryKind;
    ready: Promise<boolean>;
    exited: Promise<void>;
  } | null = null;
  // A bundle that failed to start the thread is not tried again by this process: the source entry is.
  let bundleFailed = false;
  let bundleErrorReported = false;
  let checking: Promise<void> | null = null;
  let stopped = true;
  let wakeTimer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  let nextIdle = 0;
  const idles = new Map<number, () => void>();

  function send(message: ToThread): void {
    thread?.worker.postMessage(message);
  }

  function spawn(entry: URL, kind: EntryKind): void {
    const worker = new Worker(bootstrap(entry, data.nice), { eval: true, workerData: data });
    // Like the checkpointer's, the thread never keeps the process alive: calls it abandons are leased, and
    // called again once the leases run out.
    worker.unref();
    let ready!: (ok: boolean) => void;
    let started = false;
    const current = {
      worker,
      entry: kind,
      ready: new Promise<boolean>((resolve) => {
        ready = resolve;
      }),
      exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())),
    };
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') {
        started = true;
        ready(true);
      } else if (m.type === 'idle') {
        idles.get(m.id)?.();
        idles.delete(m.id);
      } else if (m.type === 'error') onError(Object.assign(new Error(m.message), { stack: m.stack }));
      else if (m.type === 'call') onCall?.(m.info);
    });
    worker.on('error', onError);
    void current.exited.then(() => {
      if (!started && kind === 'bundle') bundleFailed = true;
      ready(false);
      if (thread === current) thread = null;
      for (const resolve of idles.values()) resolve();
      idles.clear();
    });
    thread = current;
  }

  /** Starts the thread if there is none and an endpoint exists. */
  function check(): Promise<void> {
    checking ??= (async () => {
      if (thread || stopped) return;
      if (!(await hasEndpoints())) return;
      const entry = await threadEntry(bundleFailed ? null : bundleFile);
      if (entry.error && !bundleErrorReported) {
        bundleErrorReported = true;
        onError(new Error(`webhook thread: no bundled entry, starting from source: ${String(entry.error)}`));
      }
      if (!thread && !stopped) spawn(entry.url, entry.kind);
    })()
      .catch(onError)
      .finally(() => {
        checking = null;
      });
    return checking;
  }

  function wake(): void {
    clearTimeout(wakeTimer);
    wakeTimer = undefined;
    send({ type: 'wake' });
  }

  return {
    get runsIn() {
      return thread ? 'thread' : 'none';
    },
    get entry() {
      return thread?.entry ?? null;
    },
    start() {
      stopped = false;
      off = events.onChange((e) => {
        if (thread && wakeTimer === undefined && KINDS.has(e.kind)) wakeTimer = setTimeout(wake, batchMs);
      });
      poll = setInterval(() => {
        if (!thread) void check();
      }, pollMs);
      poll.unref();
      void check();
    },
    kick(endpointsChanged = false) {
      if (thread) send({ type: 'kick', endpointsChanged });
      else void check();
    },
    async idle() {
      await check();
      const current = thread;
      if (!current || !(await current.ready)) return;
      // A wake-up still waiting for its batch goes now: idle means the changes published so far are handled.
      if (wakeTimer !== undefined) wake();
      const id = nextIdle++;
      const done = new Promise<void>((resolve) => idles.set(id, resolve));
      send({ type: 'idle', id });
      await done;
    },
    async stop() {
      stopped = true;
      off?.();
      clearInterval(poll);
      clearTimeout(wakeTimer);
      await checking;
      const current = thread;
      if (!current) return;
      send({ type: 'stop' });
      await current.exited;
    },
  };
}

/**
 * The thread's first code: lowers its priority to `nice` (Linux: the thread's own id from /proc; elsewhere it keeps
 * the process's), first so that the threads it starts inherit it too (tsx's loader thread), then imports the
 * entry, through tsx's loader when it is TypeScript (a thread does not inherit the loader a test runner or
 * `--import tsx` gave this one).
 */
function bootstrap(entry: URL, nice: number): string {
  const lower = `try { const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()); if (tid > 0) require('node:os').setPriority(tid, ${Number(nice)}); } catch {}\n`;
  if (!entry.pathname.endsWith('.ts')) return `${lower}import(${JSON.stringify(entry.href)});`;
  // tsx's ESM entry of its API, found from here (its `require` resolution names the CommonJS twin beside it).
  const api = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return `${lower}import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
}
