// libuv takes one new connection per turn of the event loop, so a burst of them (clients or a load balancer
// connecting as /ready turns 200) is accepted over as many turns, and a worker sharing the loop makes each turn
// long: the burst's last connections wait seconds for their first answer. So the worker holds its next batch
// while connections are being accepted, until a turn passes with none (at most `maxHoldMs` at a time).
export interface AcceptWatch {
  /** Called for each connection the process's server accepts. */
  accepted(): void;
  /** While connections were accepted since the last call: a promise that resolves once a turn of the loop went by
   * without one (or `maxHoldMs` passed). Otherwise undefined: nothing to wait for. */
  hold(): Promise<void> | undefined;
}

/** `maxHoldMs` bounds the worker's wait when connections keep coming, so a flood of them cannot stop it. */
export function createAcceptWatch(maxHoldMs = 200): AcceptWatch {
  let count = 0;
  let seen = 0;
  /** One immediate queued from inside another runs in the next turn's check phase, after its poll phase. */
  const nextTurn = (fn: () => void) => setImmediate(() => setImmediate(fn));
  return {
    accepted() {
      count++;
    },
    hold() {
      if (count === seen) return undefined;
      const until = performance.now() + maxHoldMs;
      return new Promise<void>((resolve) => {
        const check = () => {
          const quiet = count === seen;
          seen = count;
          if (quiet || performance.now() >= until) resolve();
          else nextTurn(check);
        };
        seen = count;
        nextTurn(check);
      });
    },
  };
}
