// Priority ranks and aging: how a message's taking priority is derived.
import { PRIORITIES, type Priority } from './types.js';

export function rankOf(priority: Priority): number {
  return PRIORITIES[priority];
}

const BY_RANK = Object.fromEntries(Object.entries(PRIORITIES).map(([name, rank]) => [rank, name])) as Record<
  number,
  Priority
>;

/** The priority of a stored rank; NORMAL for a rank that names none. */
export function priorityOf(rank: number): Priority {
  return BY_RANK[rank] ?? 'NORMAL';
}

/**
 * With aging on, a message PENDING for `waitedMs` is taken as if it were one level higher per `agingMs`
 * waited, up to URGENT, so a steady stream of higher priorities cannot starve a LOW one forever.
 * The store applies the same rule in bulk (agePriorities); this is its definition.
 */
export function agedRank(priority: Priority, waitedMs: number, agingMs: number): number {
  if (agingMs <= 0 || waitedMs < agingMs) return rankOf(priority);
  return Math.min(PRIORITIES.URGENT, rankOf(priority) + Math.floor(waitedMs / agingMs));
}
