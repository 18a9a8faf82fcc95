// /ready's cache: answers without probing storage more than once a second, holds 503 after a failed write,
// and probes again afterwards (so a fault that clears is noticed without any client write).
import { describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/queue/errors.js';
import { createReadiness } from '../../src/server/health.js';

function setup(fault: { reason: string | null }, draining = false) {
  let now = 0;
  let probes = 0;
  const readiness = createReadiness({
    async probe() {
      probes += 1;
      if (fault.reason) throw new StorageUnavailableError(fault.reason);
    },
    draining: () => draining,
    refreshMs: 1000,
    holdMs: 5000,
    clock: () => now,
  });
  return {
    readiness,
    probes: () => probes,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('/ready', () => {
  it('answers 503 warming-up while the JIT warm-up runs, without probing storage, then 200', async () => {
    let warming = true;
    let probes = 0;
    const readiness = createReadiness({
      probe: async () => {
        probes += 1;
      },
      draining: () => false,
      warmingUp: () => warming,
    });
    expect(await readiness.check()).toEqual({ status: 503, body: { status: 'warming-up' } });
    expect(probes).toBe(0);
    warming = false;
    expect((await readiness.check()).status).toBe(200);
  });

  it('answers 200 while storage takes writes, 503 with the reason when it does not, 503 while draining', async () => {
    const fault = { reason: null as string | null };
    expect((await setup(fault).readiness.check()).status).toBe(200);
    expect((await setup(fault, true).readiness.check()).body).toEqual({ status: 'draining' });
    fault.reason = 'the database is read-only';
    expect(await setup(fault).readiness.check()).toEqual({
      status: 503,
      body: { status: 'storage-unavailable', reason: 'the database is read-only' },
    });
  });

  it('probes storage at most once a second, however often it is asked', async () => {
    const t = setup({ reason: null });
    await Promise.all(Array.from({ length: 50 }, () => t.readiness.check()));
    for (let i = 0; i < 9; i++) {
      t.advance(100);
      await t.readiness.check();
    }
    expect(t.probes()).toBe(1);
    t.advance(100);
    await t.readiness.check();
    expect(t.probes()).toBe(2);
  });

  it('a failed write holds it at 503 without probing; then the probe decides; a good write clears it', async () => {
    const fault = { reason: null as string | null };
    const t = setup(fault);
    expect((await t.readiness.check()).status).toBe(200);
    t.readiness.writeFailed('the database is full');
    t.advance(4999);
    expect((await t.readiness.check()).body).toMatchObject({ reason: 'the database is full' });
    expect(t.probes()).toBe(1);
    t.advance(1);
    expect((await t.readiness.check()).status).toBe(200);
    expect(t.probes()).toBe(2);
    t.readiness.writeFailed('the database is full');
    t.readiness.writeSucceeded();
    expect((await t.readiness.check()).status).toBe(200);
  });
});
