// The README's benchmark tables are bench/results.json's (rendered by bench/readme.ts), never hand-copied figures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Figure } from '../bench/figures.js';
import { PAGES, README, readResults, renderPage } from '../bench/readme.js';
import { CORES_METRICS, QUOTE_FIGURES, type Results, targets, targetsTable } from '../bench/tables.js';

const readme = readFileSync(README, 'utf8');
const readmeBlocks = PAGES.find((p) => p.path === README)!.blocks;
const renderReadme = (page: string, r: Results) => renderPage(page, r, readmeBlocks);
const results = readResults();
const copy = (): Results => structuredClone(results);

/** Adds a lower-is-better figure, `value` in each of its rounds, to `r`; returns it for the test to change. */
function addFigure(
  r: Results,
  named: Pick<Figure, 'workload' | 'subject' | 'metric' | 'unit'>,
  value: number,
  rounds = 1,
): Figure {
  const figure: Figure = { ...named, value, better: 'lower', rounds: Array(rounds).fill(value) };
  r.figures.push(figure);
  return figure;
}

describe('the README shows the last full bench run', () => {
  it.each(PAGES.map((p) => [p.path.replace(/.*\/(bench\/)?/, '$1'), p] as const))(
    '%s shows what bench/results.json renders in every marked block (npm run bench:readme rewrites them)',
    (_name, page) => {
      const text = readFileSync(page.path, 'utf8');
      expect(renderPage(text, results, page.blocks)).toBe(text);
    },
  );

  it('a changed figure changes the README, so the check above can fail', () => {
    const changed = copy();
    const drain = changed.figures.find(
      (f) => f.workload === 'drain' && f.subject === 'quote-queue' && f.metric.endsWith('concurrency 10'),
    )!;
    drain.value += 1;
    expect(renderReadme(readme, changed)).not.toBe(readme);
  });

  it('a quick run never stands in for a full one', () => {
    expect(() => renderReadme(readme, { ...copy(), quick: true })).toThrow(/quick run/);
  });

  it('a README without a marked block is refused rather than left stale', () => {
    expect(() => renderReadme(readme.replace('<!-- bench:headline -->', ''), results)).toThrow(
      /bench:headline/,
    );
  });
});

describe('the targets are judged from the figures', () => {
  const judged = (r: Results, target: string) => targets(r).find((t) => t.target.startsWith(target))!;

  /** The followers workload's figures as a full run writes them (bench/followers.ts). */
  const withFollowers = (p99: number, heapKb: number): Results => {
    const r = copy();
    const label = '10,000 each on its own quote while the worker drains them, 1,000 on queueStats';
    const figure = (what: string, value: number, unit: string) =>
      addFigure(
        r,
        { workload: 'followers', subject: 'quote-queue', metric: `${label}, ${what}`, unit },
        value,
        3,
      );
    r.figures = r.figures.filter((f) => f.workload !== 'followers');
    figure('commit to delivery, p99', p99, 'ms');
    figure('server heap per subscriber', heapKb, 'KB');
    return r;
  };

  it('delivery at 10,000 followers is met under 100 ms and missed at or above it', () => {
    expect(judged(withFollowers(99, 5), 'delivery p99').met).toBe(true);
    expect(judged(withFollowers(100, 5), 'delivery p99').met).toBe(false);
  });

  it('heap per subscriber is met under 10 KB and missed at or above it', () => {
    expect(judged(withFollowers(50, 9.9), 'heap per subscriber').met).toBe(true);
    expect(judged(withFollowers(50, 10), 'heap per subscriber').met).toBe(false);
  });

  it('fleet delivery across processes is met under 50 ms and missed at or above it', () => {
    const withFleet = (p99: number): Results => {
      const r = copy();
      r.figures = r.figures.filter((f) => f.workload !== 'fleet-delivery');
      const metric = '1,000 subscribers on API process A, change to delivery, p99';
      addFigure(r, { workload: 'fleet-delivery', subject: 'quote-queue-pg', metric, unit: 'ms' }, p99);
      return r;
    };
    expect(judged(withFleet(49.9), 'fleet:').met).toBe(true);
    expect(judged(withFleet(50), 'fleet:').met).toBe(false);
    const without = copy();
    without.figures = without.figures.filter((f) => f.workload !== 'fleet-delivery');
    expect(judged(without, 'fleet:').measured).toBe(null);
  });

  it('the one-message fan-out is a figure, not a target', () => {
    expect(targets(copy()).some((t) => /one message/.test(t.target))).toBe(false);
  });

  it('the drain ratio to a peer is the median of the per-round ratios', () => {
    const r = copy();
    const rate = (subject: string) =>
      r.figures.find(
        (f) => f.workload === 'drain' && f.subject === subject && f.metric.endsWith('concurrency 10'),
      )!;
    rate('quote-queue').rounds = [20, 20, 20, 20, 20];
    rate('plainjob').rounds = [10, 10, 5, 10, 30];
    // Per round 2, 2, 4, 2, 0.67: median 2, met (the last round alone would say missed).
    expect(judged(r, 'drain at concurrency 10 ≥ 2x plainjob')).toMatchObject({ met: true });
    // Per round 1.82, 1.82, 4, 1.82, 0.67: median 1.82, missed (the third round alone would say met).
    rate('plainjob').rounds = [11, 11, 5, 11, 30];
    expect(judged(r, 'drain at concurrency 10 ≥ 2x plainjob')).toMatchObject({ met: false });
  });

  it('a target the run did not measure is not met', () => {
    const r = copy();
    r.figures = r.figures.filter((f) => f.workload !== 'followers');
    expect(judged(r, 'delivery p99')).toMatchObject({ met: false, measured: null });
    expect(targetsTable(r)).toMatch(/\| delivery p99 under 100 ms, 10,000 each[^|]*\| not measured \| - \|/);
  });

  it('the quote targets: underwriting ceilings, the drain against its no-op, all completed with p99 under 25 ms', () => {
    const r = copy();
    r.figures = r.figures.filter((f) => f.workload !== 'quotes' && f.workload !== 'underwriting');
    const add = (workload: string, metric: string, value: number, unit: string) =>
      addFigure(r, { workload, subject: 'quote-queue', metric, unit }, value);
    const plain = add('underwriting', QUOTE_FIGURES.underwritingPlain, 15, 'µs');
    const agentic = add('underwriting', QUOTE_FIGURES.underwritingAgentic, 100, 'µs');
    const ratio = add('quotes', QUOTE_FIGURES.drainRatio, 0.75, 'x');
    const e2e = `1,000 ${QUOTE_FIGURES.endToEnd}`;
    const p99 = add('quotes', `${e2e}, p99`, 24.9, 'ms');
    add('quotes', `${e2e}, p50`, 5, 'ms');
    add('quotes', `${e2e}, p95`, 10, 'ms');
    const completed = add('quotes', `${e2e}, completed`, 1000, 'quotes');
    const met = (target: string) => judged(r, target).met;
    expect([
      met('underwriting ≤ 15'),
      met('underwriting ≤ 100'),
      met('real-quote drain'),
      met('end to end'),
    ]).toEqual([true, true, true, true]);
    plain.value = 15.1;
    agentic.value = 100.1;
    ratio.value = 0.74;
    p99.value = 25;
    expect([
      met('underwriting ≤ 15'),
      met('underwriting ≤ 100'),
      met('real-quote drain'),
      met('end to end'),
    ]).toEqual([false, false, false, false]);
    p99.value = 10;
    completed.value = 999;
    expect(met('end to end')).toBe(false);
  });

  it('both cores: the default within 1.25x of the API alone, and the first 2,000 after /ready under 100 ms', () => {
    const r = copy();
    r.figures = r.figures.filter((f) => f.workload !== 'cores');
    const add = (mode: string, metric: string, value: number, unit: string) =>
      addFigure(r, { workload: 'cores', subject: 'quote-queue', metric: `${mode}: ${metric}`, unit }, value);
    const ratio = add('worker in a niced child process', CORES_METRICS.ratio, 1.25, 'x');
    add('worker in the API process', CORES_METRICS.ratio, 3, 'x');
    const first = add('worker in a niced child process', CORES_METRICS.first, 99, 'ms');
    add('worker in a niced child process, no warm-up', CORES_METRICS.first, 140, 'ms');
    const met = (target: string) => judged(r, target).met;
    expect([met('both cores'), met('first 2,000')]).toEqual([true, true]);
    expect(judged(r, 'first 2,000').measured).toMatch(/without the warm-up 140 ms/);
    ratio.value = 1.26;
    first.value = 100;
    expect([met('both cores'), met('first 2,000')]).toEqual([false, false]);
  });
});
