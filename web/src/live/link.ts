// The live link: which transport live views use now, and when to change it.
//
//   ws ──(2 failures to connect while the service answers HTTP)──▶ sse ──(same)──▶ poll (every 3 s)
//   ▲                                                                               │
//   └──────────── every 30 s while degraded, a probe tries the better transports ◀──┘
//
// A view that loses an established stream is not a reason to degrade (the network blinked or the service
// restarted): it resubscribes on the same transport with `afterVersion`. Only a transport that never gets a
// first result counts, and only when plain HTTP works meanwhile: a service that is down is "offline", and
// the page keeps its transport and retries.
import type { Mode, StreamRequest, StreamTransport } from './types.js';

export interface LinkOptions {
  /** Transport factories; each is created once, on first use. */
  transports: Record<Exclude<Mode, 'poll'>, () => StreamTransport>;
  /** Whether the service answers plain HTTP (e.g. GET /health). */
  reachable: () => Promise<boolean>;
  /** A cheap subscription used to probe a better transport (its first result proves it works). */
  probeRequest: StreamRequest;
  /** Streams at once over SSE (one HTTP connection each). Default 4 of the browser's 6. */
  sseSlots?: number;
  /** Failures to connect in a row, with HTTP reachable, before degrading. Default 2. */
  failuresToDegrade?: number;
  /** How often a degraded link probes for a better transport. Default 30 s. */
  probeEveryMs?: number;
  /** Start in this mode (a page flag can force a fallback, for demos and support). Default `ws`. */
  initialMode?: Mode;
}

export interface LinkState {
  mode: Mode;
  /** False while the service does not answer at all. */
  online: boolean;
}

const LADDER: readonly Mode[] = ['ws', 'sse', 'poll'];

export class LiveLink {
  private state: LinkState;
  private readonly listeners = new Set<(state: LinkState) => void>();
  private readonly made = new Map<Mode, StreamTransport>();
  private failures = 0;
  private slotsUsed = 0;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly options: LinkOptions) {
    this.state = { mode: options.initialMode ?? 'ws', online: true };
    if (this.state.mode !== 'ws') this.scheduleProbe();
  }

  get mode(): Mode {
    return this.state.mode;
  }

  get snapshot(): LinkState {
    return this.state;
  }

  /** Called with the new state whenever the mode or reachability changes. */
  onChange(listener: (state: LinkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  transport(mode: Exclude<Mode, 'poll'>): StreamTransport {
    let transport = this.made.get(mode);
    if (!transport) {
      transport = this.options.transports[mode]();
      this.made.set(mode, transport);
    }
    return transport;
  }

  /** A stream slot for SSE, or null when all are taken (the caller polls meanwhile). Other modes: free. */
  acquireSlot(mode: Mode): (() => void) | null {
    if (mode !== 'sse') return () => {};
    if (this.slotsUsed >= (this.options.sseSlots ?? 4)) return null;
    this.slotsUsed++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.slotsUsed--;
    };
  }

  /** A stream on `mode` got its first result: the transport works. */
  reportEstablished(mode: Mode): void {
    if (mode === this.state.mode) this.failures = 0;
    this.setState({ online: true });
  }

  /** A poll succeeded: the service is there. */
  reportReachable(): void {
    this.setState({ online: true });
  }

  /** A stream on `mode` failed before its first result. May degrade the link; resolves once decided. */
  async reportFailure(mode: Mode): Promise<void> {
    if (mode !== this.state.mode || mode === 'poll') return;
    this.failures++;
    if (this.failures < (this.options.failuresToDegrade ?? 2)) return;
    const reachable = await this.options.reachable().catch(() => false);
    if (this.disposed || mode !== this.state.mode) return;
    if (!reachable) {
      this.setState({ online: false });
      return;
    }
    this.failures = 0;
    this.setState({ mode: next(mode), online: true });
    this.scheduleProbe();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.probeTimer);
    this.listeners.clear();
    for (const transport of this.made.values()) transport.dispose();
    this.made.clear();
  }

  private setState(patch: Partial<LinkState>): void {
    const state = { ...this.state, ...patch };
    if (state.mode === this.state.mode && state.online === this.state.online) return;
    this.state = state;
    for (const listener of [...this.listeners]) listener(state);
  }

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    if (this.disposed || this.state.mode === 'ws') return;
    this.probeTimer = setTimeout(() => void this.probe(), this.options.probeEveryMs ?? 30_000);
  }

  /** Tries each transport better than the current one, best first; moves up to the first that answers. */
  private async probe(): Promise<void> {
    for (const mode of LADDER) {
      if (mode === this.state.mode || this.disposed) break;
      if (mode === 'poll') break;
      if (await this.tryTransport(mode)) {
        this.failures = 0;
        this.setState({ mode, online: true });
        break;
      }
    }
    this.scheduleProbe();
  }

  private tryTransport(mode: Exclude<Mode, 'poll'>): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      let dispose = () => {};
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        dispose();
        resolve(ok);
      };
      const timer = setTimeout(() => settle(false), 6_000);
      dispose = this.transport(mode).subscribe(this.options.probeRequest, {
        next: (result) => settle(!result.errors?.length),
        error: () => settle(false),
        complete: () => settle(false),
      });
    });
  }
}

function next(mode: Mode): Mode {
  return LADDER[Math.min(LADDER.indexOf(mode) + 1, LADDER.length - 1)] ?? 'poll';
}
