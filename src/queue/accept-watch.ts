// libuv takes one new connection per turn of the event loop, so a burst of them (clients or a load balancer
// connecting as /ready turns 200) is accepted over as many turns, and whatever else the loop runs in each turn (the
// worker's batches, the requests of connections already open) delays the burst's last connections: their first
// requests waited seconds while those of open connections were answered at once. So while a burst is being
// accepted, the worker holds its next batch until a turn passes with no connection accepted.
export interface AcceptWatch {
  /** Called for each connection the process's server accepts. */
  accepted(): void;
  /**
   * While connections were accepted since the last quiet turn: a promise (one for all callers) that resolves once
   * a turn of the loop went by without one, or after the watch's bound. Otherwise undefined: nothing to wait for.
   */
  hold(): Promise<void> | undefined;
}

/** `maxHoldMs` bounds every wait, so connections that never stop coming cannot stop the worker. */
export function createAcceptWatch(maxHoldMs = 200): AcceptWatch {
  let count = 0;
  let seen = 0;
  let burst: Promise<void> | undefined;
  /** One immediate queued from inside another runs in the next turn's check phase, after its poll phase. */
  const nextTurn = (fn: () => void) => setImmediate(() => setImmediate(fn));

  return {
    accepted() {
      count++;
    },
    hold() {
      if (burst || count === seen) return burst;
      const until = performance.now() + maxHoldMs;
      seen = count;
      burst = new Promise<void>((resolve) => {
        const check = () => {
          const quiet = count === seen;
          seen = count;
          if (quiet || performance.now() >= until) {
            burst = undefined;
            resolve();
          } else nextTurn(check);
        };
        nextTurn(check);
      });
      return burst;
    },
  };
}
