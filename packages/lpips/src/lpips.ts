/**
 * LPIPS v0.1 with the AlexNet trunk (the `lpips` package's LPIPS(net='alex', version='0.1'), lpips=True,
 * spatial=False) in tfjs, images NHWC:
 *   x → (x − shift)/scale → AlexNet features, tapped after relu1..relu5 → per tap: unit-normalise each feature
 *   vector over channels, squared difference, 1×1 linear layer (no bias), mean over H and W → sum of the taps.
 */
import * as tf from '@tensorflow/tfjs';
import { LpipsError } from './errors.js';
import { ALEXNET_CONVS, readLpipsWeights, type LpipsParameter, type LpipsWeightPaths, type LpipsWeights } from './weights.js';

/**
 * How the input pixels are scaled: LPIPS expects [-1, 1]; `zero-to-one` maps [0,1] inputs by 2x − 1 (lpips'
 * `normalize=True`); `raw-0-255` feeds the values as they are — not what LPIPS was trained for, but what the
 * reference's reconstruction-based OOD score does, so kept as a named option for parity with its numbers.
 */
export type LpipsInputRange = 'minus-one-to-one' | 'zero-to-one' | 'raw-0-255';

export interface LpipsDistanceOptions {
  inputRange?: LpipsInputRange;
}

const INPUT_RANGES: readonly LpipsInputRange[] = ['minus-one-to-one', 'zero-to-one', 'raw-0-255'];
// lpips' normalize_tensor adds this to the channel norm (it keeps an all-zero feature vector at zero).
const NORM_EPS = 1e-10;
const POOL = 3;
const POOL_STRIDE = 2;

/** Smallest height/width AlexNet's features accept up to relu5: both 3×3/2 max-pools need ≥ 3 rows in. */
export const LPIPS_MIN_SIZE = minimumSize();

function convOut(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** Sizes along one axis before each max-pool; undefined where a pool gets fewer than 3 rows. */
function poolInputs(size: number): { first: number; second: number; ok: boolean } {
  const c0 = ALEXNET_CONVS[0];
  const first = convOut(size, c0.kernel, c0.stride, c0.pad);
  const pooled = first >= POOL ? Math.floor((first - POOL) / POOL_STRIDE) + 1 : 0;
  // conv 3 (k5, p2) keeps the size.
  const second = pooled;
  return { first, second, ok: first >= POOL && second >= POOL };
}

function minimumSize(): number {
  let s = 1;
  while (!poolInputs(s).ok) s++;
  return s;
}

function param4d(p: LpipsParameter): tf.Tensor4D {
  return tf.tensor4d(p.values, p.shape as [number, number, number, number], 'float32');
}

export class Lpips {
  /** Per convolution: HWIO weight (tfjs' layout; torch's is OIHW) and bias. */
  private readonly convs: Array<{ weight: tf.Tensor4D; bias: tf.Tensor1D; stride: number; pad: number }>;
  /** Per tap: the linear layer's weights as a [C] vector. */
  private readonly lins: tf.Tensor1D[];
  private readonly shift: tf.Tensor1D;
  private readonly scale: tf.Tensor1D;
  private disposed = false;
  readonly files: LpipsWeights['files'];

  constructor(weights: LpipsWeights) {
    this.convs = ALEXNET_CONVS.map((c, i) => {
      const w = weights.convs[i]!;
      return tf.tidy(() => ({
        weight: tf.transpose(param4d(w.weight), [2, 3, 1, 0]) as tf.Tensor4D,
        bias: tf.tensor1d(w.bias.values, 'float32'),
        stride: c.stride,
        pad: c.pad,
      }));
    });
    this.lins = weights.lins.map((l) => tf.tensor1d(l.values, 'float32'));
    this.shift = tf.tensor1d(weights.shift, 'float32');
    this.scale = tf.tensor1d(weights.scale, 'float32');
    this.files = weights.files;
  }

  /** Per image and tap (relu1..relu5), the LPIPS terms: [B, 5]; they sum to `distance`. */
  terms(x0: tf.Tensor4D, x1: tf.Tensor4D, opts: LpipsDistanceOptions = {}): tf.Tensor2D {
    const inputRange = opts.inputRange ?? 'minus-one-to-one';
    this.check(x0, x1, inputRange);
    const batch = x0.shape[0];
    return tf.tidy(() => {
      // Both images go through the trunk in one batch; the rows of a batch do not mix.
      let x = tf.concat([x0, x1], 0).toFloat();
      if (inputRange === 'zero-to-one') x = tf.sub(tf.mul(x, 2), 1);
      // A one-channel image broadcasts against the 3 channels of shift/scale, as in the reference.
      let h: tf.Tensor4D = tf.div(tf.sub(x, this.shift), this.scale);
      const taps: tf.Tensor1D[] = [];
      this.convs.forEach((c, i) => {
        if (i === 1 || i === 2) h = tf.maxPool(h, POOL, POOL_STRIDE, 'valid');
        const padding: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]];
        h = tf.relu(tf.add(tf.conv2d(h, c.weight, c.stride, padding), c.bias));
        const norm = tf.add(tf.sqrt(tf.sum(tf.square(h), -1, true)), NORM_EPS);
        const unit = tf.div(h, norm);
        const [n0, n1] = tf.split(unit, [batch, batch], 0);
        const d = tf.square(tf.sub(n0!, n1!));
        taps.push(tf.mean(tf.sum(tf.mul(d, this.lins[i]!), -1), [1, 2]) as tf.Tensor1D);
      });
      return tf.stack(taps, 1) as tf.Tensor2D;
    });
  }

  /** LPIPS distance per image pair: [B]. x0, x1: NHWC with 1 or 3 channels, at least LPIPS_MIN_SIZE square. */
  distance(x0: tf.Tensor4D, x1: tf.Tensor4D, opts: LpipsDistanceOptions = {}): tf.Tensor1D {
    const t = this.terms(x0, x1, opts);
    const d = tf.sum(t, 1) as tf.Tensor1D;
    t.dispose();
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.convs) tf.dispose([c.weight, c.bias]);
    tf.dispose([...this.lins, this.shift, this.scale]);
  }

  private check(x0: tf.Tensor4D, x1: tf.Tensor4D, inputRange: string): void {
    const bad = (message: string) => new LpipsError('DGM_LPIPS_INPUT_INVALID', `LPIPS: ${message}`);
    if (this.disposed) throw bad('this model was disposed');
    if (!INPUT_RANGES.includes(inputRange as LpipsInputRange)) throw bad(`inputRange ${JSON.stringify(inputRange)} is not one of ${INPUT_RANGES.join(', ')}`);
    if (x0.rank !== 4 || x1.rank !== 4) throw bad(`images must be NHWC (rank 4), got shapes [${x0.shape.join(',')}] and [${x1.shape.join(',')}]`);
    if (!x0.shape.every((d, i) => d === x1.shape[i])) throw bad(`the two batches differ in shape: [${x0.shape.join(',')}] vs [${x1.shape.join(',')}]`);
    const [, height, width, channels] = x0.shape;
    if (channels !== 1 && channels !== 3) throw bad(`images need 1 or 3 channels (NHWC), got ${channels} in shape [${x0.shape.join(',')}]`);
    for (const [axis, size] of [['height', height], ['width', width]] as const) {
      const { first, ok } = poolInputs(size);
      if (!ok) {
        throw bad(
          `images of ${height}×${width} are too small for AlexNet: its ${axis} shrinks to ${first} after the first convolution, ` +
            `too little for both 3×3 max-pools; the minimum is ${LPIPS_MIN_SIZE}×${LPIPS_MIN_SIZE}`,
        );
      }
    }
  }
}

/** Reads the weight files (see readLpipsWeights for the layouts) and builds the metric. */
export async function loadLpips(paths: LpipsWeightPaths): Promise<Lpips> {
  return new Lpips(await readLpipsWeights(paths));
}
