import { FlowConfigError } from './errors.js';
import type { FlowModelSpec, TransformSpec } from './spec.js';
import type { ChwShape } from './types.js';

/*
 * Shape inference of a flow spec: pure arithmetic, no tensor library, so that specs can be validated where
 * tfjs is not loaded (the coordinator validates submissions with it).
 */

export interface BuildOptions {
  /**
   * Reproduce the reference's logit inverse (returns p instead of x; docs/reference-notes.md §2.1 QUIRK) for
   * sample parity.
   */
  upstreamLogitInverse?: boolean;
  /** Names the YAML/JSON path of a field of transform j of level i in error messages (default: spec paths). */
  fieldPathOf?: (level: number, transform: number, field: string) => string;
  /** Names the path of level i's expected output shape. */
  levelPathOf?: (level: number) => string;
  /** File or origin named in error messages. */
  source?: string;
}

/** Shapes through the flow; throws FlowConfigError naming the offending entry. */
export function inferLevelShapes(spec: FlowModelSpec, opts: BuildOptions = {}): Array<{ input: ChwShape; output: ChwShape; hidden: ChwShape | null }> {
  const fieldPathOf = opts.fieldPathOf ?? ((i, j, field) => `levels[${i}].transforms[${j}].${field}`);
  const levelPathOf = opts.levelPathOf ?? ((i) => `levels[${i}].outputShape`);
  const out: Array<{ input: ChwShape; output: ChwShape; hidden: ChwShape | null }> = [];
  let shape: ChwShape = spec.dataShape;
  spec.levels.forEach((level, i) => {
    const input = shape;
    level.transforms.forEach((t, j) => {
      shape = transformOutputShape(t, shape, (field) => fieldPathOf(i, j, field), opts.source);
    });
    if (level.outputShape && level.outputShape.some((d, k) => d !== shape[k])) {
      throw new FlowConfigError(
        `declared output shape [${level.outputShape.join(', ')}] but the level's transforms produce [${shape.join(', ')}]`,
        levelPathOf(i),
        opts.source,
      );
    }
    const last = i === spec.levels.length - 1;
    if (!last && shape[0] < 2) throw new FlowConfigError(`a multiscale split needs at least 2 channels, the level outputs ${shape[0]}`, levelPathOf(i), opts.source);
    const output = shape;
    const hidden: ChwShape | null = last ? null : [Math.floor(shape[0] / 2), shape[1], shape[2]];
    out.push({ input, output, hidden });
    if (hidden) shape = hidden;
  });
  return out;
}

function transformOutputShape(t: TransformSpec, [c, h, w]: ChwShape, fieldPath: (field: string) => string, source?: string): ChwShape {
  const fail = (msg: string, field: string) => new FlowConfigError(msg, fieldPath(field), source);
  switch (t.type) {
    case 'squeeze':
      if (h % t.factor !== 0 || w % t.factor !== 0) throw fail(`squeeze factor ${t.factor} does not divide the ${h}×${w} input`, 'factor');
      return [c * t.factor * t.factor, h / t.factor, w / t.factor];
    case 'actnorm':
      if (t.features !== c) throw fail(`ActNorm has ${t.features} features but its input has ${c} channels (shape [${c}, ${h}, ${w}])`, 'features');
      return [c, h, w];
    case 'conv1x1':
      if (t.channels !== c) throw fail(`1×1 convolution has ${t.channels} channels but its input has ${c} (shape [${c}, ${h}, ${w}])`, 'channels');
      return [c, h, w];
    case 'affine-coupling':
    case 'rq-spline-coupling':
      if (t.mask.dim !== c) throw fail(`coupling mask dim ${t.mask.dim} but the input has ${c} channels (shape [${c}, ${h}, ${w}])`, 'mask.dim');
      if (c < 2) throw fail(`a channel coupling needs at least 2 channels, got ${c}`, 'mask.dim');
      if (t.type === 'rq-spline-coupling' && t.minBinWidth * t.numBins > 1) throw fail('minimal bin width too large for the number of bins', 'minBinWidth');
      if (t.type === 'rq-spline-coupling' && t.minBinHeight * t.numBins > 1) throw fail('minimal bin height too large for the number of bins', 'minBinHeight');
      return [c, h, w];
  }
}

