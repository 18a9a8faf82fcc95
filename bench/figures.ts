// One measured figure as results.json records it, shared by run.ts and the workload modules.
import { median, round } from './stats.js';

export interface Figure {
  workload: string;
  subject: string;
  metric: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
  rounds: number[];
}

/** The median of the rounds as a figure, every value rounded to `digits`. */
export function figureOf(
  workload: string,
  subject: string,
  metric: string,
  unit: string,
  better: 'higher' | 'lower',
  rounds: number[],
  digits: number,
): Figure {
  return {
    workload,
    subject,
    metric,
    value: round(median(rounds), digits),
    unit,
    better,
    rounds: rounds.map((x) => round(x, digits)),
  };
}

/** Figures of one subject from its rounds' records: each picks its value from every round's record. */
export function figuresFrom<R>(workload: string, subject: string, rounds: R[]) {
  return (metric: string, unit: string, better: 'higher' | 'lower', digits: number, pick: (r: R) => number) =>
    figureOf(workload, subject, metric, unit, better, rounds.map(pick), digits);
}
