// What both engines decide from a message filter alone.
import type { MessageFilter } from '../queue/types.js';

/** Whether the filter names statuses and nothing else: such a count is a sum of status_counts rows, O(1). */
export function onlyStatuses(filter: MessageFilter): filter is MessageFilter & { statuses: string[] } {
  return (
    filter.statuses !== undefined &&
    filter.statuses.length > 0 &&
    !filter.priorities?.length &&
    filter.owner === undefined &&
    filter.deadLettered === undefined &&
    filter.reviewState === undefined &&
    filter.errorContains === undefined &&
    filter.endedFrom === undefined &&
    filter.endedBefore === undefined
  );
}
