import { Flow } from './flow.js';
import { FlowModel } from './model.js';
import type { Module } from './module.js';
import { deriveSeed } from './random.js';
import type { FlowModelSpec, TransformSpec } from './spec.js';
import { ActNorm } from './transforms/actnorm.js';
import { AffineCoupling } from './transforms/affine-coupling.js';
import { CompositeTransform } from './transforms/composite.js';
import { LogitTransform } from './transforms/logit.js';
import { MultiscaleTransform } from './transforms/multiscale.js';
import { OneByOneConvolution } from './transforms/one-by-one-conv.js';
import { RqSplineCoupling } from './transforms/rq-spline-coupling.js';
import { SqueezeTransform } from './transforms/squeeze.js';
import type { Transform } from './types.js';

export { inferLevelShapes, type BuildOptions } from './level-shapes.js';
import { inferLevelShapes, type BuildOptions } from './level-shapes.js';

/** Build a FlowModel (fresh weights from spec.seed) from a validated spec. */
export function buildFlowModel(spec: FlowModelSpec, opts: BuildOptions = {}): FlowModel {
  const shapes = inferLevelShapes(spec, opts);
  const levels = spec.levels.map((level, i) => {
    let shape = shapes[i]!.input;
    return new CompositeTransform(
      level.transforms.map((t, j) => {
        const built = buildTransform(t, deriveSeed(spec.seed, i, j), shape[1] === 1 && shape[2] === 1);
        shape = built.outputShape(shape);
        return built;
      }),
    );
  });
  const body = new MultiscaleTransform(levels, spec.dataShape);
  body.levelInfo.forEach((info, i) => {
    const expected = shapes[i]!;
    if (info.outputShape.some((d, k) => d !== expected.output[k])) throw new Error(`internal: level ${i} shape mismatch`);
  });
  const logit = spec.dataTransform.logit
    ? new LogitTransform({ ...spec.dataTransform.logit, upstreamInverseQuirk: opts.upstreamLogitInverse ?? false })
    : null;
  return new FlowModel(spec, new Flow(body, logit));
}

function buildTransform(t: TransformSpec, seed: number, onePixel: boolean): Module & Transform {
  switch (t.type) {
    case 'squeeze':
      return new SqueezeTransform(t.factor);
    case 'actnorm':
      return new ActNorm(t.features);
    case 'conv1x1':
      return new OneByOneConvolution(t.channels, { seed });
    case 'affine-coupling':
      return new AffineCoupling({ channels: t.mask.dim, flip: t.mask.flip, net: t.net, seed, onePixel });
    case 'rq-spline-coupling':
      return new RqSplineCoupling({
        channels: t.mask.dim,
        flip: t.mask.flip,
        net: t.net,
        seed,
        onePixel,
        numBins: t.numBins,
        tailBound: t.tailBound,
        tails: t.tails,
        minBinWidth: t.minBinWidth,
        minBinHeight: t.minBinHeight,
        minDerivative: t.minDerivative,
      });
  }
}
