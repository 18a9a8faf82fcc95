// Turns rating factors into a risk score a reviewer can read at a glance, and names what drives it.
import { factorProduct, type RatingFactor } from './rating.js';

export type RiskBand = 'LOW' | 'MODERATE' | 'HIGH' | 'SEVERE';

export type RiskAssessment = {
  /** 0..100: 0 when the factors together are neutral or better, 100 when they quadruple the premium. */
  score: number;
  band: RiskBand;
  /** Factors that raise the premium, largest first. */
  drivers: RatingFactor[];
  /** Factors that lower it, largest credit first. */
  credits: RatingFactor[];
};

/** Combined factor at which the score reaches 100. */
export const SCORE_CEILING_FACTOR = 4;
export const RISK_BANDS: readonly { below: number; band: RiskBand }[] = [
  { below: 25, band: 'LOW' },
  { below: 50, band: 'MODERATE' },
  { below: 75, band: 'HIGH' },
  { below: Number.POSITIVE_INFINITY, band: 'SEVERE' },
];

/** A logarithmic score: factors multiply, so doubling the load adds the same points wherever it starts. */
export function assessRisk(factors: readonly RatingFactor[]): RiskAssessment {
  const raw = (100 * Math.log(factorProduct(factors))) / Math.log(SCORE_CEILING_FACTOR);
  const score = Math.min(100, Math.max(0, Math.round(raw)));
  const band = RISK_BANDS.find((candidate) => score < candidate.below)?.band ?? 'SEVERE';
  return {
    score,
    band,
    drivers: factors.filter((factor) => factor.value > 1).sort((a, b) => b.value - a.value),
    credits: factors.filter((factor) => factor.value < 1).sort((a, b) => a.value - b.value),
  };
}
