import type { FlowModel } from './model.js';
import { ActNorm } from './transforms/actnorm.js';
import { ChannelCoupling } from './transforms/coupling.js';
import { OneByOneConvolution } from './transforms/one-by-one-conv.js';
import { RqSplineCoupling } from './transforms/rq-spline-coupling.js';
import type { ChwShape } from './types.js';

export interface CouplingSummary {
  kind: string;
  channels: number;
  flip: boolean;
  hiddenChannels: number;
  numBlocks: number;
  dropout: number;
  numBins?: number;
  tailBound?: number;
}

export interface LevelSummary {
  inputShape: ChwShape;
  outputShape: ChwShape;
  /** Transform kinds in order ("squeeze", "actnorm", "conv1x1", "affine-coupling", …). */
  sequence: string[];
  squeezeFactors: number[];
  actNorms: number;
  conv1x1: number;
  couplings: CouplingSummary[];
  /** Values this level contributes to the latent. */
  latentSize: number;
  /** Shape passed on to the next level (null for the last). */
  hiddenShape: ChwShape | null;
}

export interface ArchitectureSummary {
  dataShape: ChwShape;
  logit: { alpha: number } | null;
  levels: LevelSummary[];
  totals: { couplings: number; actNorms: number; conv1x1: number; latentSize: number; parameters: number };
}

/** Describe a built model by inspecting its transforms (not its spec). */
export function describeArchitecture(model: FlowModel): ArchitectureSummary {
  const body = model.flow.body;
  const levels: LevelSummary[] = body.levels.map((level, i) => {
    const info = body.levelInfo[i]!;
    const couplings: CouplingSummary[] = [];
    const squeezeFactors: number[] = [];
    for (const t of level.transforms) {
      if (t instanceof ChannelCoupling) {
        const s: CouplingSummary = {
          kind: t.kind,
          channels: t.channels,
          flip: t.flip,
          hiddenChannels: t.net.hiddenChannels,
          numBlocks: t.net.numBlocks,
          dropout: t.net.dropout,
        };
        if (t instanceof RqSplineCoupling) {
          s.numBins = t.numBins;
          s.tailBound = t.tailBound;
        }
        couplings.push(s);
      }
      if (t.kind === 'squeeze') squeezeFactors.push((t as unknown as { factor: number }).factor);
    }
    return {
      inputShape: info.inputShape,
      outputShape: info.outputShape,
      sequence: level.transforms.map((t) => t.kind),
      squeezeFactors,
      actNorms: level.transforms.filter((t) => t instanceof ActNorm).length,
      conv1x1: level.transforms.filter((t) => t instanceof OneByOneConvolution).length,
      couplings,
      latentSize: info.emittedShape[0] * info.emittedShape[1] * info.emittedShape[2],
      hiddenShape: info.hiddenShape,
    };
  });
  return {
    dataShape: model.dataShape,
    logit: model.flow.logit ? { alpha: model.flow.logit.alpha } : null,
    levels,
    totals: {
      couplings: levels.reduce((s, l) => s + l.couplings.length, 0),
      actNorms: levels.reduce((s, l) => s + l.actNorms, 0),
      conv1x1: levels.reduce((s, l) => s + l.conv1x1, 0),
      latentSize: body.latentSize,
      parameters: model.numParameters(),
    },
  };
}
