// Abortable waiting: a delay, and a race of any promise against the signal, so a cancelled or
// timed-out quote frees its worker at once.

/** Resolves after `ms` (0 or less: on the next turn), or rejects with `signal.reason` on abort; clears its timer either way. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `abortable` for the steps of one run: one abort listener for all of them (adding and removing one per step
 * cost more than the steps' own work); `dispose` removes it once the run is over.
 */
export function abortRace(signal: AbortSignal): { race<T>(work: Promise<T>): Promise<T>; dispose(): void } {
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  return {
    race(work) {
      if (signal.aborted) return Promise.reject(signal.reason);
      aborted ??= new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      return Promise.race([work, aborted]);
    },
    dispose() {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Settles like `work`, unless `signal` aborts first: then rejects with `signal.reason` without waiting,
 * so a step that ignores its signal (an outside service, a model call) cannot hold the worker.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
