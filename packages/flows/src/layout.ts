/**
 * Tensor layout.
 *
 * Every transform works on NHWC tensors [B, H, W, C]: that is what tfjs convolutions take natively on every
 * backend (wasm/XNNPACK included), so no transposes sit in the hot path. The *semantics* are the reference's
 * NCHW ones: channel index c in NHWC is channel c of the reference, so channel masks, the squeeze channel order
 * (c·f² + i·f + j) and the RQ-spline parameter layout (c·P + p) carry over unchanged. The only place the
 * memory order matters is flattening: latents are flattened in the reference's C,H,W order (one transpose per
 * level), so z has exactly the reference's coordinate order.
 */
import * as tf from '@tensorflow/tfjs';
import type { ChwShape } from './types.js';

export type ImageLayout = 'NHWC' | 'NCHW';

export function nchwToNhwc(x: tf.Tensor): tf.Tensor4D {
  assertRank4(x, 'nchwToNhwc');
  return tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
}

export function nhwcToNchw(x: tf.Tensor): tf.Tensor4D {
  assertRank4(x, 'nhwcToNchw');
  return tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
}

/** Bring an image batch in the given layout to NHWC (no copy when already NHWC or when C = 1). */
export function toNhwc(x: tf.Tensor, layout: ImageLayout): tf.Tensor4D {
  assertRank4(x, 'toNhwc');
  if (layout === 'NHWC') return x as tf.Tensor4D;
  if (x.shape[1] === 1) return tf.reshape(x, [x.shape[0]!, x.shape[2]!, x.shape[3]!, 1]);
  return nchwToNhwc(x);
}

/** NHWC [B,H,W,C] → [B, C·H·W] flattened in C,H,W order (the reference's latent order). */
export function flattenChw(x: tf.Tensor): tf.Tensor2D {
  assertRank4(x, 'flattenChw');
  const [b, h, w, c] = x.shape as [number, number, number, number];
  // For C = 1 or H = W = 1 the two orders coincide: skip the transpose.
  const chw = c === 1 || (h === 1 && w === 1) ? x : tf.transpose(x, [0, 3, 1, 2]);
  return tf.reshape(chw, [b, c * h * w]);
}

/** Inverse of flattenChw: [B, C·H·W] in C,H,W order → NHWC [B,H,W,C]. */
export function unflattenChw(z: tf.Tensor, shape: ChwShape): tf.Tensor4D {
  const [c, h, w] = shape;
  if (z.rank !== 2 || z.shape[1] !== c * h * w) {
    throw new Error(`unflattenChw: expected [B, ${c * h * w}], got [${z.shape.join(', ')}]`);
  }
  const b = z.shape[0]!;
  if (c === 1 || (h === 1 && w === 1)) return tf.reshape(z, [b, h, w, c]);
  return tf.transpose(tf.reshape(z, [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
}

export function chwOf(x: tf.Tensor): ChwShape {
  assertRank4(x, 'chwOf');
  return [x.shape[3]!, x.shape[1]!, x.shape[2]!];
}

export function assertRank4(x: tf.Tensor, where: string): void {
  if (x.rank !== 4) throw new Error(`${where}: expected an NHWC tensor of rank 4, got shape [${x.shape.join(', ')}]`);
}
