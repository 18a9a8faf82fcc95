// Wake-ups from other processes' commits: LISTEN on one dedicated connection per process, as a hint to read the
// log, never as the data. The change token moves on every notification from another process, on every (re)connect
// (so the reader catches up on what it missed while the connection was down), and, while the connection is down,
// once per slow-poll period so the log is still read now and then.
import postgres, { type Options } from 'postgres';

export interface WakeupOptions {
  channel: string;
  /** This process's notifications carry it and are ignored here: its own events reach it through onAppended. */
  origin: string;
  /** While not listening, the token moves once per this many ms. Default 1000. */
  slowPollMs?: number;
  /** Longest wait between reconnection attempts. Default 5000. */
  maxBackoffMs?: number;
}

export class Wakeups {
  private token = 0;
  private listening = false;
  private lastBump = 0;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly listeners = new Set<() => void>();
  private readonly client: postgres.Sql;

  constructor(
    url: string,
    options: Options<Record<string, postgres.PostgresType>>,
    private readonly wake: WakeupOptions,
  ) {
    this.client = postgres(url, {
      ...options,
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      onclose: () => this.lost(),
      // postgres.js' connection calls this for each NotificationResponse (not in its option types).
      ...({ onnotify: (channel: string, payload: string) => this.notified(channel, payload) } as object),
    });
  }

  /** Starts listening; resolves once the first attempt has succeeded or failed (it goes on retrying). */
  async start(): Promise<void> {
    await this.listen();
  }

  /** Moves when the log may hold events from other processes; see the file's header. */
  changeToken(): number {
    if (!this.listening && Date.now() - this.lastBump >= (this.wake.slowPollMs ?? 1000)) this.bump();
    return this.token;
  }

  /** Calls `listener` after each notification from another process (the token has moved). Returns the unsubscribe. */
  onWake(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client.end({ timeout: 1 });
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    try {
      await this.client.unsafe(`LISTEN "${this.wake.channel.replace(/"/g, '""')}"`);
      this.listening = true;
      this.failures = 0;
      this.bump();
    } catch {
      this.lost();
    }
  }

  private lost(): void {
    this.listening = false;
    if (this.closed || this.retry) return;
    const delay = Math.min(this.wake.maxBackoffMs ?? 5000, 100 * 2 ** this.failures++);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, delay).unref();
  }

  private notified(channel: string, payload: string): void {
    if (channel !== this.wake.channel || payload === this.wake.origin) return;
    this.bump();
    for (const listener of this.listeners) listener();
  }

  private bump(): void {
    this.token++;
    this.lastBump = Date.now();
  }
}
