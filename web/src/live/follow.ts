// Follows one live stream through the link, whatever the transport: subscribes, resubscribes after a drop
// (asking `request()` again, so a view can resume after what it has), moves when the link changes mode,
// and polls when the link is in poll mode or no SSE slot is free.
//
// Never disposes a stream from inside its own callbacks (see deferred-dispose.ts): a stream that reached
// its end is left for the server to complete; only a mode change or the view going away disposes.
import type { ContractCode } from '../api/errors.js';
import type { LiveLink } from './link.js';
import {
  type GraphQLErrorShape,
  isGraphQLErrorList,
  isTransient,
  type Mode,
  type StreamRequest,
  type StreamResult,
} from './types.js';

export interface FollowOptions {
  link: LiveLink;
  /** The subscription to send now (called again at every resubscribe). */
  request: () => StreamRequest;
  /** A result of the subscription with data. */
  onData: (data: unknown) => void;
  /** One poll: fetch and deliver what changed. Throws a GraphQL error list when the operation failed. */
  poll: () => Promise<void>;
  /** True once nothing more will come (the message is final): stops polling and resubscribing. */
  done?: () => boolean;
  /** The operation failed (`fatal`: it will not be retried) or the transport is struggling (not fatal). */
  onError: (error: GraphQLErrorShape | null, fatal: boolean) => void;
  /** Told which mode currently carries this stream (`poll` also while waiting for an SSE slot). */
  onMode?: (mode: Mode) => void;
  pollEveryMs?: number;
}

const MAX_BACKOFF_MS = 15_000;

/** WebSocket close codes by which the service refuses a caller (graphql-ws: 4401, 4403, 4429). */
const REFUSALS: Record<number, ContractCode> = {
  4401: 'UNAUTHENTICATED',
  4403: 'FORBIDDEN',
  4429: 'RATE_LIMITED',
};

function refusalOf(error: unknown): GraphQLErrorShape[] | null {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const mapped = typeof code === 'number' ? REFUSALS[code] : undefined;
  if (!mapped) return null;
  const reason = (error as { reason?: unknown }).reason;
  return [{ message: typeof reason === 'string' && reason ? reason : mapped, extensions: { code: mapped } }];
}

/** Starts following; returns stop. */
export function follow(options: FollowOptions): () => void {
  const { link } = options;
  const pollEveryMs = options.pollEveryMs ?? 3_000;
  const isDone = () => options.done?.() ?? false;
  let stopped = false;
  let drops = 0;
  let current: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const offLink = link.onChange(() => {
    if (stopped || isDone()) return;
    restart(0);
  });

  function restart(delayMs: number): void {
    current?.();
    current = null;
    clearTimeout(timer);
    if (stopped || isDone()) return;
    timer = setTimeout(start, delayMs);
  }

  function backoff(): number {
    drops++;
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(drops, 6));
    return base / 2 + Math.random() * (base / 2);
  }

  /** The operation failed: transient codes (rate limit, storage, masked) are retried, others end it. */
  function fail(errors: readonly GraphQLErrorShape[]): void {
    const first = errors[0] ?? null;
    if (isTransient(first)) {
      options.onError(first, false);
      restart(backoff());
      return;
    }
    options.onError(first, true);
    stopped = true;
    current?.();
    current = null;
    offLink();
  }

  function start(): void {
    if (stopped || isDone()) return;
    const mode = link.mode;
    const release = mode === 'poll' ? null : link.acquireSlot(mode);
    if (mode === 'poll' || !release) {
      startPolling(mode !== 'poll');
      return;
    }
    streamOn(mode, release);
  }

  function streamOn(mode: Exclude<Mode, 'poll'>, release: () => void): void {
    options.onMode?.(mode);
    let established = false;
    let ended = false;
    const end = () => {
      ended = true;
      release();
    };
    const dispose = link.transport(mode).subscribe(options.request(), {
      next(result: StreamResult) {
        if (ended) return;
        if (result.errors?.length) {
          end();
          fail(result.errors);
          return;
        }
        if (!established) {
          established = true;
          drops = 0;
          link.reportEstablished(mode);
          options.onError(null, false);
        }
        options.onData(result.data);
      },
      error(error: unknown) {
        if (ended) return;
        end();
        const refused = isGraphQLErrorList(error) ? error : refusalOf(error);
        if (refused) {
          fail(refused);
          return;
        }
        if (!established) void link.reportFailure(mode);
        options.onError({ message: 'connection lost', extensions: { code: 'NETWORK' } }, false);
        restart(backoff());
      },
      complete() {
        if (ended) return;
        end();
        // The server ends a stream once the message is final; otherwise (a restart, a drain) resume.
        if (!isDone()) restart(backoff());
      },
    });
    current = () => {
      if (!ended) end();
      dispose();
    };
  }

  /** Polls every few seconds; `waitingForSlot`: an SSE slot may free up, so try streaming again each tick. */
  function startPolling(waitingForSlot: boolean): void {
    options.onMode?.('poll');
    let active = true;
    current = () => {
      active = false;
      clearTimeout(timer);
    };
    const tick = async () => {
      if (!active || stopped) return;
      try {
        await options.poll();
        link.reportReachable();
        options.onError(null, false);
      } catch (error) {
        if (isGraphQLErrorList(error)) {
          fail(error);
          return;
        }
        options.onError({ message: 'poll failed', extensions: { code: 'NETWORK' } }, false);
      }
      if (!active || stopped || isDone()) return;
      if (waitingForSlot && link.mode !== 'poll') {
        const release = link.acquireSlot(link.mode);
        if (release) {
          active = false;
          streamOn(link.mode as Exclude<Mode, 'poll'>, release);
          return;
        }
      }
      timer = setTimeout(() => void tick(), pollEveryMs);
    };
    void tick();
  }

  start();
  return () => {
    stopped = true;
    offLink();
    clearTimeout(timer);
    current?.();
    current = null;
  };
}
