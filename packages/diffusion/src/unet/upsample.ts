import * as tf from '@tensorflow/tfjs';
import type { Conv2d } from './layers.js';

/** Nearest-neighbour ×2 upsampling (F.interpolate 'nearest') as two rank-3 tiles. Slow on wasm: reference only. */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const cols = tf.reshape(tf.tile(tf.reshape(x, [b * h * w, 1, c]), [1, 2, 1]), [b * h, 1, 2 * w * c]);
  return tf.reshape(tf.tile(cols, [1, 2, 1]), [b, 2 * h, 2 * w, c]);
}

/**
 * Row a·3 + e of P maps a 3×3 kernel's tap offsets onto the input offsets e − 1 seen by output phase a: output
 * row 2i + a of "nearest ×2, then 3×3 conv (padding 1)" reads upsampled rows 2i + a + d (d = −1, 0, 1), i.e.
 * input rows i + ⌊(a + d)/2⌋. Phase 0: d = −1 → −1, d = 0, 1 → 0. Phase 1: d = −1, 0 → 0, d = 1 → +1.
 */
const PHASE_TAPS = [
  [1, 0, 0],
  [0, 1, 1],
  [0, 0, 0],
  [0, 0, 0],
  [1, 1, 0],
  [0, 0, 1],
];

/**
 * conv(upsampleNearest2x(x)) without materialising the upsampled image (tfjs's Tile and BroadcastTo are very slow
 * on wasm): one 3×3 conv on x with 4·out channels, one per output phase (a, b), whose kernels K_ab = P_a·W·P_bᵀ
 * (over the tap axes) sum the taps of W that land on the same input pixel; then the phases are interleaved.
 * Same multiply-adds as the conv at the high resolution; the weight stays the diffusers one (HWIO [3, 3, in, out]).
 */
export function upsampleNearestConv(x: tf.Tensor4D, conv: Conv2d): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const ci = conv.inChannels;
  const co = conv.outChannels;
  const p = tf.tensor2d(PHASE_TAPS, [6, 3]);
  // W [dy, dx, ci, co] → rows: [(a, ey), dx·ci·co] → dx first → [(bx, ex), (a, ey)·ci·co].
  const rows = tf.matMul(p, tf.reshape(conv.weight, [3, 3 * ci * co]));
  const cols = tf.matMul(p, tf.reshape(tf.transpose(tf.reshape(rows, [6, 3, ci * co]), [1, 0, 2]), [3, 6 * ci * co]));
  // [bx, ex, a, ey, ci, co] → [ey, ex, ci, a, bx, co]
  const kernel = tf.reshape(tf.transpose(tf.reshape(cols, [2, 3, 2, 3, ci, co]), [3, 1, 4, 2, 0, 5]), [3, 3, ci, 4 * co]) as tf.Tensor4D;
  const phases = tf.conv2d(x, kernel, 1, 'same'); // [b, h, w, (a, bx, co)]
  const interleaved = tf.transpose(tf.reshape(phases, [b * h, w, 2, 2 * co]), [0, 2, 1, 3]); // [b·h, a, w, (bx, co)]
  return tf.add(tf.reshape(interleaved, [b, 2 * h, 2 * w, co]), conv.bias);
}
