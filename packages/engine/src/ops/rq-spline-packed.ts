import * as tf from '@tensorflow/tfjs';
import { RQ_SPLINE, RQ_SPLINE_GRAD, type RqSplineAttrs } from '../kernels/webgpu/rq-spline.js';
import { ownWebGpuKernelsActive } from '../kernels/webgpu/own-kernels-flag.js';
import { outerTapeRecording, sumExceptBatch } from './elementwise.js';
import { checkSplineSettings, rationalQuadraticSpline, type RationalQuadraticSplineSettings } from './rational-quadratic-spline.js';

export interface PackedSplineSettings extends RationalQuadraticSplineSettings {
  /** K, the number of bins: each element of x has P = 3K − 1 raw parameters. */
  numBins: number;
  /** Factor on the raw widths and heights before their softmax (the coupling's 1/√hidden). */
  binScale: number;
}

/** The same spline in tfjs ops, from the packed parameters (every backend; the fused kernels' reference). */
function packedWithTfOps(x: tf.Tensor, params: tf.Tensor, s: PackedSplineSettings): { outputs: tf.Tensor; logabsdet: tf.Tensor1D } {
  return tf.tidy(() => {
    const n = x.size;
    const k = s.numBins;
    const p = tf.reshape(params, [n, 3 * k - 1]);
    const widths = tf.mul(tf.slice(p, [0, 0], [n, k]), s.binScale);
    const heights = tf.mul(tf.slice(p, [0, k], [n, k]), s.binScale);
    const derivatives = k > 1 ? tf.slice(p, [0, 2 * k], [n, k - 1]) : tf.zeros([n, 0]);
    const r = rationalQuadraticSpline(tf.reshape(x, [n]), widths, heights, derivatives, s);
    return { outputs: tf.reshape(r.outputs, x.shape), logabsdet: sumExceptBatch(tf.reshape(r.logabsdet, x.shape)) };
  });
}

const attrsOf = (s: PackedSplineSettings): RqSplineAttrs => ({
  numBins: s.numBins,
  inverse: s.inverse,
  tailBound: s.tailBound,
  minBinWidth: s.minBinWidth,
  minBinHeight: s.minBinHeight,
  minDerivative: s.minDerivative,
  binScale: s.binScale,
});

// Backend-independent, so registered once with the module; the kernels themselves are webgpu's (activateWebGpu).
if (tf.getGradient(RQ_SPLINE) === undefined) {
  tf.registerGradient({
    kernelName: RQ_SPLINE,
    inputsToSave: ['x', 'params'],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dlogdet] = dys as tf.Tensor[];
      const [x, params] = saved as [tf.Tensor, tf.Tensor];
      const a = attrs as unknown as RqSplineAttrs;
      if (!outerTapeRecording()) {
        const [dx, dparams] = tf.engine().runKernel(RQ_SPLINE_GRAD, { dy: dy!, dlogdet: dlogdet!, x, params } as unknown as tf.NamedTensorMap, attrs) as tf.Tensor[];
        return { x: () => dx!, params: () => dparams! };
      }
      // The fused backward is not differentiable: where an enclosing tape records this gradient (second order),
      // the tfjs-op spline's own gradient takes over, recomputed from the saved inputs.
      const [dx, dparams] = tf.grads((xx: tf.Tensor, pp: tf.Tensor) => {
        const r = packedWithTfOps(xx, pp, a);
        return tf.add(tf.sum(tf.mul(r.outputs, dy!)), tf.sum(tf.mul(r.logabsdet, dlogdet!)));
      })([x, params]);
      return { x: () => dx!, params: () => dparams! };
    },
  });
}

/**
 * The rational-quadratic spline with linear tails (nflows, tails='linear') on every element of x [B, …], its
 * parameters packed as a coupling network emits them: P = 3K − 1 raw values per element, contiguous (element e at
 * params[e·P …]; K widths, K heights, K − 1 interior derivatives), so params has x.size·P values and the batch
 * axis first. Returns the outputs (x's shape) and log|det| per sample [B] (of the inverse map when inverse).
 * On webgpu with the engine's own kernels: one dispatch forward (softmax, knots, bin search, the map and the
 * per-sample log|det| sum) and one backward; tfjs ops elsewhere.
 */
export function rationalQuadraticSplinePacked(x: tf.Tensor, params: tf.Tensor, settings: PackedSplineSettings): { outputs: tf.Tensor; logabsdet: tf.Tensor1D } {
  const k = settings.numBins;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`rationalQuadraticSplinePacked: numBins must be a positive integer, got ${k}`);
  if (x.rank < 1) throw new RangeError('rationalQuadraticSplinePacked: x needs a batch axis');
  if (params.shape[0] !== x.shape[0] || params.size !== x.size * (3 * k - 1)) {
    throw new RangeError(
      `rationalQuadraticSplinePacked: params [${params.shape.join(', ')}] must have batch ${x.shape[0]} and ${3 * k - 1} values (3K − 1, K = ${k}) per element of x [${x.shape.join(', ')}]`,
    );
  }
  checkSplineSettings('rationalQuadraticSplinePacked', k, settings);
  if (ownWebGpuKernelsActive() && x.dtype === 'float32' && params.dtype === 'float32') {
    const [outputs, logabsdet] = tf.engine().runKernel(RQ_SPLINE, { x, params } as unknown as tf.NamedTensorMap, attrsOf(settings) as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { outputs: outputs!, logabsdet: logabsdet as tf.Tensor1D };
  }
  return packedWithTfOps(x, params, settings);
}
