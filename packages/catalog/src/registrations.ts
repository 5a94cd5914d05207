/**
 * What this deployment runs: every model family and every OOD method, one line each. Adding a family or a
 * method is one package (or one file) plus one line here; nothing else in the shared code changes.
 */
import { diffusionFamily } from '@dgm-ood/diffusion/family';
import { avgLossTrendMethod } from '@dgm-ood/methods/avg-loss-trend';
import { cclrMethod } from '@dgm-ood/methods/cclr';
import { complexityMethod } from '@dgm-ood/methods/complexity';
import { flowFamily } from '@dgm-ood/flows/family';
import { diffusionLidMethod } from '@dgm-ood/methods/diffusion-lid';
import { diffusionScoreNormMethod } from '@dgm-ood/methods/diffusion-score-norm';
import { lidMethod } from '@dgm-ood/methods/lid';
import { likelihoodMethod } from '@dgm-ood/methods/likelihood';
import { likelihoodRatioMethod } from '@dgm-ood/methods/likelihood-ratio';
import { reconstructionMethod } from '@dgm-ood/methods/reconstruction';
import type { AnyOodMethod } from '@dgm-ood/methods';
import type { AnyModelFamily } from '@dgm-ood/models';

export const MODEL_FAMILIES: readonly AnyModelFamily[] = [
  flowFamily,
  diffusionFamily,
];

export const OOD_METHODS: readonly AnyOodMethod[] = [
  likelihoodMethod,
  lidMethod,
  diffusionLidMethod,
  diffusionScoreNormMethod,
  complexityMethod,
  likelihoodRatioMethod,
  cclrMethod,
  avgLossTrendMethod,
  reconstructionMethod,
];
