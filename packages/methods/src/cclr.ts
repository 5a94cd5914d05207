import { positiveInt, type ConfigReader } from '@dgm-ood/jobs';
import { deriveSeed } from '@dgm-ood/engine/rng';
import type { ScoreSchema } from '@dgm-ood/evaluation';
import type { OodMethod } from './contract.js';

export interface CclrPlan {
  /** The time fractions φ scored in this job. */
  fractions: number[];
  /** M: noisy copies per loss. */
  draws: number;
}

/** The reference's sweep of φ (one job each there; all of them in one job here unless `t_frac` names one). */
export const REFERENCE_FRACTIONS = [0.1, 0.25, 0.33, 0.5, 0.66];
const LOSS_STREAM = 1;

/** A score name for φ: cclr_0_33. */
export const cclrScore = (phi: number) => `cclr_${String(phi).replace('.', '_')}`;

const inUnit = (n: number) => n > 0 && n <= 1;

/** M, the noisy copies per L_φ (`num_samples`, the reference's 1024 by default); `chunk_size` is checked, not used: passes are sized by memory. */
export function readLossDraws(args: ConfigReader): number {
  args.number('chunk_size', 128, positiveInt, 'a positive integer');
  return args.number('num_samples', 1024, positiveInt, 'a positive integer');
}

/**
 * The CCLR baseline (Goodier et al. 2023; the reference's `ood.likelihood_ratio.DiffusionCCLR`): per point the
 * average weighted L1 denoising loss up to a time fraction φ minus that over the whole time range,
 * L_φ(x) − L_1(x) (a difference despite the name), each from its own M noisy copies (docs/diffusion.md §11). One
 * score per φ; the evaluation's `auc:max` is the notebook's maximum over φ. L_1 is drawn once per point and shared
 * by the φ of one job (the reference ran one φ per job, each with its own L_1: `t_frac` gives that).
 *
 * method_args: `t_frac` (one φ, the reference's key) or `t_fracs` (a list; default 0.1, 0.25, 0.33, 0.5, 0.66),
 * `num_samples` (M, default 1024, the reference's), `chunk_size` (accepted; passes are sized by memory).
 */
export const cclrMethod: OodMethod<CclrPlan, null> = {
  id: 'cclr',
  classPaths: ['ood.likelihood_ratio.DiffusionCCLR', 'cclr'],
  requires: ['averageDenoisingLoss'],
  readPlan: (args: ConfigReader) => {
    let fractions = REFERENCE_FRACTIONS;
    const one = args.number('t_frac', null, inUnit, 'a time fraction in (0, 1]');
    const list = args.get('t_fracs');
    if (one !== null && list !== undefined) args.fail('t_fracs', 'give t_frac (one φ) or t_fracs (a list), not both');
    if (one !== null) fractions = [one];
    if (list !== undefined) {
      if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'number' && inUnit(v))) {
        args.fail('t_fracs', `must be a non-empty list of time fractions in (0, 1] (got ${JSON.stringify(list)})`);
      }
      fractions = [...new Set(list as number[])];
    }
    return { fractions, draws: readLossDraws(args) };
  },
  scores: (plan): ScoreSchema => ({
    scores: [
      ...plan.fractions.map((phi) => ({ name: cclrScore(phi), label: `CCLR, φ = ${phi} (L_φ − L_1)`, direction: 'higher-is-in-distribution' as const })),
      { name: 'avg_loss_1', label: 'L_1, the average loss over all times', direction: 'lower-is-in-distribution' as const },
    ],
    combinations: [],
  }),
  async score(model, point, plan) {
    const loss = model.capabilities.averageDenoisingLoss!;
    // L_1 and each L_φ from their own copies.
    const seed = point.seed(LOSS_STREAM);
    const full = await loss(point.image, deriveSeed(seed, 0), { fraction: 1, draws: plan.draws });
    const scores: Record<string, number> = { avg_loss_1: full };
    for (const [k, phi] of plan.fractions.entries()) {
      scores[cclrScore(phi)] = (await loss(point.image, deriveSeed(seed, 1 + k), { fraction: phi, draws: plan.draws })) - full;
    }
    return scores;
  },
  summary: (plan) => ({ fractions: plan.fractions, draws: plan.draws }),
};
