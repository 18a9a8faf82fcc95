// The `queueStats` stream: one shared computation of the figures, run after changes (at most 10 times a
// second) and on a slow timer (durations such as longestProcessing grow with time), fanned out to
// every subscriber; a slow subscriber only ever gets the newest figures.
import { Repeater } from '@graphql-yoga/subscription';
import type { QueueEvents } from '../queue/events.js';
import type { QueueService, ServiceStats as QueueStats } from '../queue/service.js';

export interface StatsFeed {
  /** The figures now, then whenever they change. */
  subscribe(): Repeater<QueueStats>;
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
      return new Repeater<QueueStats>(async (push, stop) => {
        let latest: QueueStats | null = null;
        let wake: (() => void) | null = null;
        let sent = '';
        const listener = (stats: QueueStats) => {
          latest = stats;
          wake?.();
        };
        listeners.add(listener);
        if (listeners.size === 1) attach();
        schedule();
        let stopped = false;
        void stop.then(() => {
          stopped = true;
          wake?.();
        });
        try {
          while (!stopped) {
            const stats: QueueStats | null = latest;
            if (!stats) {
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              wake = null;
              continue;
            }
            latest = null;
            const json = JSON.stringify(stats);
            if (json === sent) continue;
            sent = json;
            await push(stats);
          }
        } finally {
          listeners.delete(listener);
          if (listeners.size === 0) detach?.();
        }
      });
    },
    get subscriberCount() {
      return listeners.size;
    },
  };
}
