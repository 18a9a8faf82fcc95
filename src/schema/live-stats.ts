// The `queueStats` stream: one shared computation of the figures, run after changes (at most 10 times a
// second) and on a slow timer (durations such as longestProcessing grow with time), fanned out to
// every subscriber; a slow subscriber only ever gets the newest figures.
import type { QueueEvents } from '../queue/events.js';
import type { QueueService, ServiceStats as QueueStats } from '../queue/service.js';

export interface StatsFeed {
  /** The figures now, then whenever they change. */
  subscribe(): AsyncIterableIterator<QueueStats>;
  readonly subscriberCount: number;
}

export interface StatsFeedOptions {
  service: QueueService;
  events: QueueEvents;
  /** Another reason to compute the figures again (the fleet's pause changed); returns the unsubscribe. */
  onOtherChange?: (listener: () => void) => () => void;
  /** Least time between two computations. Default 100 ms (10 a second). */
  minIntervalMs?: number;
  /** Recompute at least this often while anyone listens. Default 5000 ms. */
  refreshMs?: number;
  onError?: (error: unknown) => void;
}

export function createStatsFeed(options: StatsFeedOptions): StatsFeed {
  const minIntervalMs = options.minIntervalMs ?? 100;
  const refreshMs = options.refreshMs ?? 5000;
  const listeners = new Set<(stats: QueueStats) => void>();
  let lastRun = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let dirty = false;
  let detach: (() => void) | undefined;

  async function compute(): Promise<void> {
    timer = undefined;
    if (running) {
      dirty = true;
      return;
    }
    running = true;
    lastRun = Date.now();
    try {
      const stats = await options.service.stats();
      for (const listener of listeners) listener(stats);
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
      if (dirty) {
        dirty = false;
        schedule();
      }
    }
  }

  function schedule(): void {
    if (timer || listeners.size === 0) return;
    timer = setTimeout(() => void compute(), Math.max(0, lastRun + minIntervalMs - Date.now()));
  }

  function attach(): void {
    const off = options.events.onChange(schedule);
    const offOther = options.onOtherChange?.(schedule);
    const refresh = setInterval(schedule, refreshMs);
    detach = () => {
      off();
      offOther?.();
      clearInterval(refresh);
      clearTimeout(timer);
      timer = undefined;
    };
  }

  return {
    subscribe() {
      const stream = new StatsStream((stream) => {
        if (listeners.delete(stream.listener) && listeners.size === 0) detach?.();
      });
      listeners.add(stream.listener);
      if (listeners.size === 1) attach();
      schedule();
      return stream;
    },
    get subscriberCount() {
      return listeners.size;
    },
  };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One subscriber's figures: only the newest are kept, and figures equal to the last sent are skipped. Waiting is a
 * bare promise, not a suspended async function, since a stream waits for most of its life.
 */
class StatsStream implements AsyncIterableIterator<QueueStats> {
  private latest: QueueStats | null = null;
  private sent = '';
  private ended = false;
  private wake: (() => void) | undefined;
  readonly listener = (stats: QueueStats) => {
    this.latest = stats;
    this.wake?.();
  };

  constructor(private readonly onEnd: (stream: StatsStream) => void) {}

  next(): Promise<IteratorResult<QueueStats>> {
    while (!this.ended && this.latest) {
      const stats = this.latest;
      this.latest = null;
      const json = JSON.stringify(stats);
      if (json === this.sent) continue;
      this.sent = json;
      return Promise.resolve({ done: false, value: stats });
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    }).then(() => {
      this.wake = undefined;
      return this.next();
    });
  }

  return(): Promise<IteratorResult<QueueStats>> {
    if (!this.ended) {
      this.ended = true;
      this.onEnd(this);
      this.wake?.();
    }
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<QueueStats>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<QueueStats> {
    return this;
  }
}
