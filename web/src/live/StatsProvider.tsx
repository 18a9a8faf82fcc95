// One `queueStats` stream for the whole page, shared by the tab badges, the dashboard and the lists that
// refresh when the queue changes.
import { createContext, type ReactNode, useContext } from 'react';
import { type LiveStatsState, useLiveStats } from './useLiveStats.js';

const StatsContext = createContext<LiveStatsState>({ stats: null, at: 0, error: null });

export function StatsProvider({ children }: { children: ReactNode }) {
  return <StatsContext.Provider value={useLiveStats()}>{children}</StatsContext.Provider>;
}

export function useStats(): LiveStatsState {
  return useContext(StatsContext);
}
