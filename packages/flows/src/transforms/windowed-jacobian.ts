import * as tf from '@tensorflow/tfjs';

/**
 * Seed vectors for recovering a spatially local Jacobian with few products (Curtis–Powell–Reid grouping).
 * For a map [H,W,cin] → [H,W,cout] in which output pixel o depends only on input pixels within Chebyshev
 * distance `radius` (a stack of 3×3 convolutions, 1×1 projections and per-pixel maps), input pixels that are
 * congruent modulo s = 2·radius + 1 in both axes never reach a common output pixel: one product with the sum of
 * their unit vectors gives all of their Jacobian columns at once, each read off inside its own window.
 */
export interface WindowedSeeds {
  /** The seed tangents [rows, H, W, cin]: row (a, b, c) is 1 on channel c of every pixel (i, j) ≡ (a, b) mod s. */
  tangents: tf.Tensor4D;
  /** For input (i, j, c) in NHWC order, the seed row that carries its column (int32 [H·W·cin]). */
  seedOfInput: tf.Tensor1D;
  /** [H·W·cin, H·W·cout]: 1 where the output pixel lies within `radius` of the input pixel (NHWC order). */
  window: tf.Tensor2D;
}

/** The number of seed rows for a map of that shape, H·W·cin when grouping saves nothing. */
export function windowedSeedCount(h: number, w: number, cin: number, radius: number): number {
  const s = 2 * radius + 1;
  return Math.min(s, h) * Math.min(s, w) * cin;
}

export function windowedSeeds(h: number, w: number, cin: number, cout: number, radius: number): WindowedSeeds {
  if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`windowedSeeds: radius must be a non-negative integer, got ${radius}`);
  const s = 2 * radius + 1;
  const ch = Math.min(s, h);
  const cw = Math.min(s, w);
  const rows = ch * cw * cin;
  const seed = (i: number, j: number, c: number) => ((i % s) * cw + (j % s)) * cin + c;
  const tangents = new Float32Array(rows * h * w * cin);
  const seedOfInput = new Int32Array(h * w * cin);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      for (let c = 0; c < cin; c++) {
        const input = (i * w + j) * cin + c;
        const row = seed(i, j, c);
        seedOfInput[input] = row;
        tangents[row * h * w * cin + input] = 1;
      }
    }
  }
  const outSize = h * w * cout;
  const window = new Float32Array(h * w * cin * outSize);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      for (let oi = Math.max(0, i - radius); oi <= Math.min(h - 1, i + radius); oi++) {
        for (let oj = Math.max(0, j - radius); oj <= Math.min(w - 1, j + radius); oj++) {
          for (let c = 0; c < cin; c++) {
            const base = ((i * w + j) * cin + c) * outSize + (oi * w + oj) * cout;
            window.fill(1, base, base + cout);
          }
        }
      }
    }
  }
  return {
    tangents: tf.tensor4d(tangents, [rows, h, w, cin]),
    seedOfInput: tf.tensor1d(seedOfInput, 'int32'),
    window: tf.tensor2d(window, [h * w * cin, outSize]),
  };
}

/**
 * The Jacobian of a radius-local map as a dense [H·W·cin, H·W·cout] matrix (row = input in NHWC order, i.e.
 * the transposed Jacobian), from `jvp` applied to the windowed seeds only.
 */
export function windowedJacobianTransposed(
  jvp: (tangents: tf.Tensor4D) => tf.Tensor,
  [h, w, cin, cout]: [number, number, number, number],
  radius: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const seeds = windowedSeeds(h, w, cin, cout, radius);
    const responses = tf.reshape(jvp(seeds.tangents), [seeds.tangents.shape[0], h * w * cout]);
    return tf.mul(tf.gather(responses, seeds.seedOfInput), seeds.window) as tf.Tensor2D;
  });
}
