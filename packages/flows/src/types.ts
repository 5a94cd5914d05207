import type * as tf from '@tensorflow/tfjs';
import type { SeedStream } from './random.js';

/**
 * Semantic image shape in the reference's order (channels, height, width). Tensors themselves are NHWC
 * (see layout.ts); this triple only describes sizes.
 */
export type ChwShape = readonly [c: number, h: number, w: number];

export interface FlowContext {
  /** Training mode: dropout is active and an uninitialised ActNorm initialises itself from this batch. */
  training?: boolean;
  /** Seeds for the random ops of this pass (dropout). Without it, training-mode dropout draws unseeded noise. */
  seeds?: SeedStream;
}

/** nflows convention: `logabsdet` is log|det ∂y/∂x| per sample, shape [B]. */
export interface ForwardResult {
  y: tf.Tensor;
  logabsdet: tf.Tensor1D;
}

/** nflows convention: `logabsdet` is log|det ∂x/∂y| per sample (the negative of the forward one at that point). */
export interface InverseResult {
  x: tf.Tensor;
  logabsdet: tf.Tensor1D;
}

/** A bijection on NHWC image batches [B, H, W, C]. */
export interface Transform {
  /** Short, stable type name used by architecture summaries ("actnorm", "conv1x1", …). */
  readonly kind: string;
  forward(x: tf.Tensor, ctx?: FlowContext): ForwardResult;
  inverse(y: tf.Tensor, ctx?: FlowContext): InverseResult;
  /** Shape (C,H,W) of the output for an input of the given shape; throws if the input shape is unsupported. */
  outputShape(input: ChwShape): ChwShape;
}
