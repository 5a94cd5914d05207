import * as tf from '@tensorflow/tfjs';
import { ownWebGpuKernelsActive, rationalQuadraticSplinePacked } from '@dgm-ood/engine';
import {
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  rationalQuadraticSpline,
} from '../splines/rational-quadratic.js';
import { ChannelCoupling, type CouplingOptions } from './coupling.js';
import type { FlowContext } from '../types.js';

export interface RqSplineCouplingOptions extends CouplingOptions {
  /** K. nflows default 10; the reference sweeps use 8. */
  numBins?: number;
  /** B. nflows default 1; the reference sweeps use 3 (background models 1). */
  tailBound?: number;
  /** Only linear tails are implemented (the reference always uses them). */
  tails?: 'linear';
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}

/**
 * Rational-quadratic spline coupling (nflows PiecewiseRationalQuadraticCouplingTransform, linear tails).
 * The net output [B,H,W,n·P], P = 3K − 1, holds the P parameters of transformed channel c contiguously at
 * channels c·P + p (the reference reshapes (B, n·P, H, W) → (B, n, P, H, W) and moves P last). Per element:
 * [0,K) widths, [K,2K) heights, both divided by √hidden; [2K, 3K−1) interior derivatives, unscaled.
 */
export class RqSplineCoupling extends ChannelCoupling {
  readonly kind = 'rq-spline-coupling';
  readonly numBins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
  private readonly hiddenSqrt: number;

  constructor(opts: RqSplineCouplingOptions) {
    const numBins = opts.numBins ?? 10;
    if (!Number.isInteger(numBins) || numBins < 1) throw new RangeError(`RqSplineCoupling: numBins must be a positive integer, got ${numBins}`);
    if ((opts.tails ?? 'linear') !== 'linear') throw new Error(`RqSplineCoupling: only linear tails are supported, got ${String(opts.tails)}`);
    super(opts, 3 * numBins - 1);
    this.numBins = numBins;
    this.tailBound = opts.tailBound ?? 1;
    this.minBinWidth = opts.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH;
    this.minBinHeight = opts.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT;
    this.minDerivative = opts.minDerivative ?? DEFAULT_MIN_DERIVATIVE;
    this.hiddenSqrt = Math.sqrt(opts.net.hiddenChannels);
  }

  protected parameterLayout() {
    const k = this.numBins;
    // Net output channel c·P + p; the three parameter kinds come out as separate tensors ordered (c, p).
    const slots = [
      { offset: 0, size: k },
      { offset: k, size: k },
    ];
    if (k > 1) slots.push({ offset: 2 * k, size: k - 1 });
    return { period: 3 * k - 1, slots };
  }

  /**
   * On webgpu with the engine's own kernels: the net's whole output (P parameters per element, contiguous) goes to
   * the fused spline — one matMul for the net's last layer instead of three, one dispatch for the spline forward
   * and one backward. Elsewhere the parameter tensors are split off the net's last layer (ChannelCoupling).
   */
  protected override transformChannels(inputs: tf.Tensor4D, conditioner: tf.Tensor4D, ctx: FlowContext | undefined, inverse: boolean) {
    if (!ownWebGpuKernelsActive()) return super.transformChannels(inputs, conditioner, ctx, inverse);
    const { outputs, logabsdet } = rationalQuadraticSplinePacked(inputs, this.net.apply(conditioner, ctx), {
      numBins: this.numBins,
      inverse,
      tailBound: this.tailBound,
      minBinWidth: this.minBinWidth,
      minBinHeight: this.minBinHeight,
      minDerivative: this.minDerivative,
      binScale: 1 / this.hiddenSqrt,
    });
    return { outputs: outputs as tf.Tensor4D, logabsdet };
  }

  protected elementwise(inputs: tf.Tensor4D, params: tf.Tensor4D[], inverse: boolean) {
    const [b, h, w, n] = inputs.shape;
    const k = this.numBins;
    const count = b * h * w * n;
    const [rawW, rawH, rawD] = params;
    const widths = tf.div(tf.reshape(rawW!, [count, k]), this.hiddenSqrt);
    const heights = tf.div(tf.reshape(rawH!, [count, k]), this.hiddenSqrt);
    const derivatives = rawD ? tf.reshape(rawD, [count, k - 1]) : tf.zeros([count, 0]);
    const { outputs, logabsdet } = rationalQuadraticSpline(tf.reshape(inputs, [count]), widths, heights, derivatives, {
      inverse,
      tailBound: this.tailBound,
      minBinWidth: this.minBinWidth,
      minBinHeight: this.minBinHeight,
      minDerivative: this.minDerivative,
    });
    return {
      outputs: tf.reshape(outputs, [b, h, w, n]) as tf.Tensor4D,
      logabsdet: tf.sum(tf.reshape(logabsdet, [b, h * w * n]), 1) as tf.Tensor1D,
    };
  }
}
