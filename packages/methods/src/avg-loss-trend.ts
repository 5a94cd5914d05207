import { deriveSeed } from '@dgm-ood/engine/rng';
import { positiveInt, type ConfigReader } from '@dgm-ood/jobs';
import type { ScoreSchema } from '@dgm-ood/evaluation';
import { readLossDraws } from './cclr.js';
import type { OodMethod } from './contract.js';

export interface AvgLossTrendPlan {
  /** φ_k = linspace(0, 1 − 10⁻⁶, count)_k^γ + 10⁻⁶, as the reference draws its curve. */
  fractions: number[];
  draws: number;
}

const LOSS_STREAM = 1;
const trendScore = (k: number) => `avg_loss_${String(k).padStart(2, '0')}`;

/** The reference's curve of φ values: `count` points of linspace(0, 1 − 10⁻⁶)^γ + 10⁻⁶. */
export function trendFractions(count: number, gamma: number): number[] {
  const top = 1 - 1e-6;
  return Array.from({ length: count }, (_, k) => (count === 1 ? top : (top * k) / (count - 1)) ** gamma + 1e-6);
}

/**
 * The average-loss trend (the reference's `ood.likelihood_ratio.AvgLossTrend`): the curve of L_φ(x) over a grid of
 * φ, stored per point as scores `avg_loss_00`, `avg_loss_01`, … (φ of each in its label and the job summary), for
 * plotting the trend CCLR summarises. Each L_φ from its own M noisy copies. method_args: `t_frac_count` (10),
 * `t_frac_gamma` (3), `num_samples` (1024), `chunk_size` (accepted; passes are sized by memory).
 */
export const avgLossTrendMethod: OodMethod<AvgLossTrendPlan, null> = {
  id: 'avg-loss-trend',
  classPaths: ['ood.likelihood_ratio.AvgLossTrend', 'avg-loss-trend'],
  requires: ['averageDenoisingLoss'],
  readPlan: (args: ConfigReader) => {
    const count = args.number('t_frac_count', 10, (n) => positiveInt(n) && n <= 100, 'an integer in [1, 100]');
    const gamma = args.number('t_frac_gamma', 3, (n) => n > 0, 'a positive number');
    return { fractions: trendFractions(count, gamma), draws: readLossDraws(args) };
  },
  scores: (plan): ScoreSchema => ({
    scores: plan.fractions.map((phi, k) => ({ name: trendScore(k), label: `L_φ at φ = ${phi.toPrecision(3)}`, direction: 'lower-is-in-distribution' as const })),
    combinations: [],
  }),
  async score(model, point, plan) {
    const seed = point.seed(LOSS_STREAM);
    const scores: Record<string, number> = {};
    for (const [k, phi] of plan.fractions.entries()) {
      scores[trendScore(k)] = await model.capabilities.averageDenoisingLoss!(point.image, deriveSeed(seed, k), { fraction: phi, draws: plan.draws });
    }
    return scores;
  },
  summary: (plan) => ({ fractions: plan.fractions, draws: plan.draws }),
};
