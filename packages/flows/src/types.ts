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

/**
 * A map linearised at one point: its value there and products with its Jacobian at that point for many
 * vectors at once (the rows of a batch). Only linear work is done per vector — no forward pass is repeated for
 * each of them — which is what makes exact flow Jacobians cheap: layer by layer instead of D full passes.
 * Owns its tensors (value and saved derivatives) until dispose(); jvp/vjp return new tensors.
 */
export interface Linearization {
  /** The map's value at the point, batch 1. */
  readonly value: tf.Tensor;
  /** Tangents of the input [R, …input] → tangents of the output [R, …value]: row r is J·t_r (forward mode). */
  jvp(t: tf.Tensor): tf.Tensor;
  /** Cotangents of the output [R, …value] → cotangents of the input [R, …input]: row r is g_rᵀ·J (reverse mode). */
  vjp(g: tf.Tensor): tf.Tensor;
  dispose(): void;
}

/** A bijection on NHWC image batches [B, H, W, C]. */
export interface Transform {
  /** Short, stable type name used by architecture summaries ("actnorm", "conv1x1", …). */
  readonly kind: string;
  forward(x: tf.Tensor, ctx?: FlowContext): ForwardResult;
  inverse(y: tf.Tensor, ctx?: FlowContext): InverseResult;
  /** The inverse x(y) linearised at one point y [1, H, W, C] (eval mode): value x and products with ∂x/∂y. */
  linearizeInverse(y: tf.Tensor): Linearization;
  /** Shape (C,H,W) of the output for an input of the given shape; throws if the input shape is unsupported. */
  outputShape(input: ChwShape): ChwShape;
}
