// Where a message's traceparent is kept: both engines implement it (src/db/{sqlite,postgres}/traces.ts).

export interface TraceStore {
  /** Keeps `traceparent` for each message id (ids already known keep theirs). */
  save(messageIds: string[], traceparent: string, now: Date): Promise<void>;
  /** The traceparents the messages were submitted under, by message id (those without one left out). */
  getMany(messageIds: string[]): Promise<Map<string, string>>;
  /** Removes what was kept before `before`; how many. */
  purge(before: Date): Promise<number>;
}
