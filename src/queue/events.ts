// Every stored change, handed to this process's listeners, and the feed that reads them from the event log.
import type { QueueStore } from './store.js';
import type { MessageEvent } from './types.js';

export interface QueueEvents {
  /** Listens to every change synchronously, without a buffer (workers, stats, live subscriptions); returns the unsubscribe. */
  onChange(listener: (event: MessageEvent) => void): () => void;
  publish(event: MessageEvent): void;
  /** How many `onChange` listeners are attached (for metrics and leak tests). */
  listenerCount(): number;
}

export function createQueueEvents(): QueueEvents {
  const listeners = new Set<(event: MessageEvent) => void>();
  return {
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(event) {
      for (const listener of listeners) listener(event);
    },
    listenerCount: () => listeners.size,
  };
}

export interface EventFeedOptions {
  store: QueueStore;
  events: QueueEvents;
  /** How often to look for changes made by other processes. Default 50 ms. */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

export interface EventFeed {
  start(): Promise<void>;
  /** A change was just committed in this process: publish it now rather than at the next poll. */
  nudge(): void;
  /** Publishes everything stored so far; resolves when done. */
  drain(): Promise<void>;
  stop(): void;
  readonly position: number;
}

/**
 * Follows the event log from where it stood at start and publishes each event once, in log order (`seq`).
 * Changes made through this process's store arrive as the events its transactions appended
 * (`store.onAppended`), published without reading them back; other processes' changes are noticed by
 * polling the store's change token and read from the log. A local event that does not continue the log (another
 * process committed in between) waits until the gap before it has been read, so each `seq` is published exactly
 * once and in order: the store makes positions visible in increasing order (see QueueStore), so a gap the log
 * read did not fill stays empty.
 */
export function createEventFeed(options: EventFeedOptions): EventFeed {
  const { store, events } = options;
  const pollMs = options.pollMs ?? 50;
  let position = 0;
  let token = -1;
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;
  let checking = false;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  /** Events this process appended and has not published yet, in log order. */
  let local: MessageEvent[] = [];
  let head = 0;
  /** Whether the log may hold events that `local` has not: another process wrote, or someone asked. */
  let readLog = true;
  /** A nudge came: look at the change token on the next turn (once per turn, however many nudges). */
  let checkOthers = false;
  let unlisten: (() => void) | undefined;
  let unwake: (() => void) | undefined;

  function publish(event: MessageEvent): void {
    position = event.seq;
    events.publish(event);
  }

  /**
   * Publishes the local events that continue the log; false when one waits behind a gap. A gap before an
   * event at or below `skipGapsTo` was looked for in the log and is not there (nothing else can fill it), so
   * it is passed over rather than waited on forever.
   */
  function publishLocal(skipGapsTo = 0): boolean {
    while (head < local.length) {
      const event = local[head]!;
      if (event.seq <= position) head++;
      else if (event.seq === position + 1 || event.seq <= skipGapsTo) {
        head++;
        publish(event);
      } else return false;
    }
    local = [];
    head = 0;
    return true;
  }

  async function readAll(): Promise<void> {
    for (;;) {
      if (publishLocal() && !readLog) return;
      // Everything committed before this read is in the log: a local event already known has nothing before it
      // that the read could miss.
      const known = local.length > 0 ? local[local.length - 1]!.seq : 0;
      readLog = false;
      for (;;) {
        const batch = await store.eventsAfter(position, 1000);
        for (const event of batch) publish(event);
        if (batch.length < 1000) break;
      }
      publishLocal(known);
    }
  }

  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await readAll();
        } while (again && !stopped);
      } catch (error) {
        readLog = true;
        options.onError?.(error);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  /**
   * Publishes this process's own events on the next tick (after the writer's own continuations, before the next
   * batch a busy worker writes in the same turn), coalescing the calls of one tick; a look at other processes'
   * changes waits for the next turn of the event loop.
   */
  function schedule(): void {
    if (stopped) return;
    if (checkOthers && !checking) {
      checking = true;
      setImmediate(() => {
        checking = false;
        checkOthers = false;
        checkToken()
          .catch((error) => options.onError?.(error))
          .then(() => drain());
      });
    }
    if (scheduled) return;
    scheduled = true;
    process.nextTick(() => {
      scheduled = false;
      void drain();
    });
  }

  async function checkToken(): Promise<void> {
    const now = await store.changeToken();
    if (now !== token) {
      token = now;
      readLog = true;
    }
  }

  async function poll(): Promise<void> {
    try {
      await checkToken();
      if (readLog) await drain();
    } catch (error) {
      options.onError?.(error);
    }
    if (!stopped) timer = setTimeout(poll, pollMs).unref();
  }

  return {
    async start() {
      // Listen before reading the position: an event appended in between is then either at or below it
      // (dropped as already stored before start) or above it (published).
      unlisten = store.onAppended?.((appended) => {
        for (const event of appended) local.push(event);
        schedule();
      });
      // Another process's commit, signalled: look at the token on the next turn, not at the next poll (up to
      // pollMs later). A burst of them costs one read in flight and one after it (drain coalesces).
      unwake = store.onWake?.(() => {
        checkOthers = true;
        schedule();
      });
      // Without local events, every nudge has to read the log.
      if (!unlisten) readLog = true;
      position = await store.lastEventSeq();
      token = await store.changeToken();
      readLog = !unlisten;
      timer = setTimeout(poll, pollMs).unref();
    },
    nudge() {
      if (stopped) return;
      if (!unlisten) readLog = true;
      // A change through another connection of this process moves the token: look on the next turn, not at the
      // next poll.
      else checkOthers = true;
      schedule();
    },
    drain() {
      readLog = true;
      return drain();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      unlisten?.();
      unwake?.();
    },
    get position() {
      return position;
    },
  };
}
