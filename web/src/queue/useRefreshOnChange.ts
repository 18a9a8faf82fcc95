// Keeps a list query current without polling: it is re-run when the live queue figures change (at most
// once a second), and after this page's own mutations (urql's cache invalidates by type).
import { useEffect, useRef } from 'react';
import { useStats } from '../live/StatsProvider.js';

export function useRefreshOnChange(
  refresh: () => void,
  pick: (s: NonNullable<ReturnType<typeof useStats>['stats']>) => unknown,
) {
  const { stats } = useStats();
  const key = stats ? JSON.stringify(pick(stats)) : '';
  const last = useRef({ key: '', at: 0 });
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => {
    if (!key || key === last.current.key) return;
    const first = last.current.key === '';
    last.current.key = key;
    if (first) return;
    const wait = Math.max(0, last.current.at + 1000 - Date.now());
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      last.current.at = Date.now();
      refresh();
    }, wait);
  }, [key, refresh]);
  useEffect(() => () => clearTimeout(timer.current), []);
}
