// Samples of the live figures over the last minutes, for the chart: queue depth, and messages finished
// (completed, failed, cancelled) since the previous sample. A timer adds a sample every 5 s between
// pushes so the chart keeps moving when nothing happens; no request is made for it.
import { useEffect, useRef, useState } from 'react';
import type { Stats } from '../live/useLiveStats.js';

export interface Sample {
  at: number;
  depth: number;
  /** Messages that ended since the previous sample (never negative: retention removals are not work). */
  finished: number;
}

export const WINDOW_MS = 10 * 60_000;

function ended(stats: Stats): number {
  return stats.completedCount + stats.failedCount + stats.cancelledCount;
}

export function useStatsHistory(stats: Stats | null): Sample[] {
  const [samples, setSamples] = useState<Sample[]>([]);
  const latest = useRef<Stats | null>(null);
  const lastEnded = useRef<number | null>(null);

  useEffect(() => {
    const add = (current: Stats) => {
      const total = ended(current);
      const finished = lastEnded.current === null ? 0 : Math.max(0, total - lastEnded.current);
      lastEnded.current = total;
      const now = Date.now();
      setSamples((s) => [
        ...s.filter((x) => x.at > now - WINDOW_MS),
        { at: now, depth: current.pendingCount + current.processingCount, finished },
      ]);
    };
    if (stats) {
      latest.current = stats;
      add(stats);
    }
  }, [stats]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (!latest.current) return;
      const now = Date.now();
      const current = latest.current;
      setSamples((s) => [
        ...s.filter((x) => x.at > now - WINDOW_MS),
        { at: now, depth: current.pendingCount + current.processingCount, finished: 0 },
      ]);
    }, 5_000);
    return () => clearInterval(timer);
  }, []);

  return samples;
}
