import * as tf from '@tensorflow/tfjs';
import { rationalQuadraticSpline as splineOfTensors, type SplineResult } from '@dgm-ood/engine';
import { DEFAULT_MIN_BIN_HEIGHT, DEFAULT_MIN_BIN_WIDTH, DEFAULT_MIN_DERIVATIVE } from './defaults.js';

export { DEFAULT_MIN_BIN_HEIGHT, DEFAULT_MIN_BIN_WIDTH, DEFAULT_MIN_DERIVATIVE };
export type { SplineResult };

export interface RationalQuadraticSplineOptions {
  /** Evaluate the inverse map (inputs are then spline outputs). Default false. */
  inverse?: boolean;
  /** B: the spline lives on [−B, B]; identity (linear tails, slope 1) outside. Default 1. */
  tailBound?: number;
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}

/**
 * Monotonic rational-quadratic spline with linear tails (nflows `unconstrained_rational_quadratic_spline(...,
 * tails='linear')`), nflows' defaults filled in: the engine's tfjs-op spline (every backend has its gradients).
 * inputs [N]; unnormalizedWidths and unnormalizedHeights [N, K]; unnormalizedDerivatives [N, K−1] (interior knots;
 * the boundary derivatives are 1). Plain arrays are accepted too; tensors made from them go with the call.
 */
export function rationalQuadraticSpline(
  inputs: tf.Tensor | tf.TensorLike,
  unnormalizedWidths: tf.Tensor | tf.TensorLike,
  unnormalizedHeights: tf.Tensor | tf.TensorLike,
  unnormalizedDerivatives: tf.Tensor | tf.TensorLike,
  opts: RationalQuadraticSplineOptions = {},
): SplineResult {
  const settings = {
    inverse: opts.inverse ?? false,
    tailBound: opts.tailBound ?? 1,
    minBinWidth: opts.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH,
    minBinHeight: opts.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT,
    minDerivative: opts.minDerivative ?? DEFAULT_MIN_DERIVATIVE,
  };
  const args = [inputs, unnormalizedWidths, unnormalizedHeights, unnormalizedDerivatives];
  if (args.every((a) => a instanceof tf.Tensor)) {
    return splineOfTensors(inputs as tf.Tensor, unnormalizedWidths as tf.Tensor, unnormalizedHeights as tf.Tensor, unnormalizedDerivatives as tf.Tensor, settings);
  }
  return tf.tidy(() => {
    const [x, w, h, d] = args.map((a) => (a instanceof tf.Tensor ? a : tf.tensor(a as tf.TensorLike))) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const { outputs, logabsdet } = splineOfTensors(x, w, h, d, settings);
    return { outputs, logabsdet } as unknown as tf.TensorContainer;
  }) as unknown as SplineResult;
}
