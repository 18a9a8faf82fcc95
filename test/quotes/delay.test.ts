import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortable, abortRace, delay } from '../../src/quotes/delay.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('delay', () => {
  it('resolves once its time has passed, not before', async () => {
    let done = false;
    const waiting = delay(1_000, new AbortController().signal).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('rejects with the signal reason on abort and clears its timer', async () => {
    const controller = new AbortController();
    const waiting = delay(60_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once, without a timer, when the signal is already aborted', async () => {
    const reason = new Error('timed out');
    const waiting = delay(60_000, AbortSignal.abort(reason));
    expect(vi.getTimerCount()).toBe(0);
    await expect(waiting).rejects.toBe(reason);
  });
});

describe('abortable', () => {
  it('settles like the work when the signal stays quiet', async () => {
    await expect(abortable(Promise.resolve(42), new AbortController().signal)).resolves.toBe(42);
    const failure = new Error('boom');
    await expect(abortable(Promise.reject(failure), new AbortController().signal)).rejects.toBe(failure);
  });

  it('rejects with the reason as soon as the signal aborts, without waiting for the work', async () => {
    const controller = new AbortController();
    const waiting = abortable(new Promise<never>(() => {}), controller.signal);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});

describe('abortRace', () => {
  it('settles each work like abortable, with one listener on the signal for all of them', async () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const abort = abortRace(controller.signal);
    await expect(abort.race(Promise.resolve(1))).resolves.toBe(1);
    const failure = new Error('boom');
    await expect(abort.race(Promise.reject(failure))).rejects.toBe(failure);
    const waiting = abort.race(new Promise<never>(() => {}));
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(abort.race(Promise.resolve(2))).rejects.toBe(reason);
    expect(added).toHaveBeenCalledTimes(1);
    abort.dispose();
    expect(removed).toHaveBeenCalledTimes(1);
  });

  it('leaves no listener behind once disposed', async () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const abort = abortRace(controller.signal);
    await abort.race(Promise.resolve(1));
    abort.dispose();
    expect(removed.mock.calls[0]?.[0]).toBe('abort');
  });
});
