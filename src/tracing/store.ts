// Where a message's traceparent is kept: both engines implement it (src/db/{sqlite,postgres}/traces.ts).

export interface TraceStore {
  /** Keeps `traceparent` for each message id (ids already known keep theirs). */
  save(messageIds: string[], traceparent: string, now: Date): Promise<void>;
  /** The traceparent a message was submitted under, or null. */
  get(messageId: string): Promise<string | null>;
  /** Removes what was kept before `before`; how many. */
  purge(before: Date): Promise<number>;
}
