import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { assertRank4 } from '../layout.js';
import { assertSinglePoint, linearizeInScope, linearMapLinearization } from '../linearization.js';
import type { ChwShape, ForwardResult, InverseResult, Linearization, Transform } from '../types.js';

/**
 * Squeeze(f) (nflows SqueezeTransform): (C,H,W) → (C·f², H/f, W/f) with new channel index c·f² + i·f + j,
 * (i, j) the offset inside the f×f block. Written with reshape + transpose (tfjs's depthToSpace has no
 * gradient). On NHWC data: [B,H,W,C] → [B·H/f, f(i), W/f, f(j), C] → [B·H/f, W/f, C, i, j] → [B,H/f,W/f,C·f²].
 * log|det| = 0.
 */
export class SqueezeTransform extends Module implements Transform {
  readonly kind = 'squeeze';

  constructor(readonly factor: number) {
    super();
    if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`SqueezeTransform: factor must be a positive integer, got ${factor}`);
  }

  outputShape([c, h, w]: ChwShape): ChwShape {
    const f = this.factor;
    if (h % f !== 0 || w % f !== 0) {
      throw new Error(`SqueezeTransform(${f}): height ${h} and width ${w} must be divisible by ${f}`);
    }
    return [c * f * f, h / f, w / f];
  }

  forward(x: tf.Tensor): ForwardResult {
    assertRank4(x, 'SqueezeTransform.forward');
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const f = this.factor;
    this.outputShape([c, h, w]);
    return tf.tidy(() => {
      const t = tf.reshape(x, [b * (h / f), f, w / f, f, c]);
      const y = tf.reshape(tf.transpose(t, [0, 2, 4, 1, 3]), [b, h / f, w / f, c * f * f]);
      return { y, logabsdet: tf.zeros([b]) as tf.Tensor1D };
    });
  }

  inverse(y: tf.Tensor): InverseResult {
    assertRank4(y, 'SqueezeTransform.inverse');
    const [b, hs, ws, cs] = y.shape as [number, number, number, number];
    const f = this.factor;
    if (cs % (f * f) !== 0) throw new Error(`SqueezeTransform(${f}).inverse: channels ${cs} not divisible by ${f * f}`);
    const c = cs / (f * f);
    return tf.tidy(() => {
      const t = tf.reshape(y, [b * hs, ws, c, f, f]);
      const x = tf.reshape(tf.transpose(t, [0, 3, 1, 4, 2]), [b, hs * f, ws * f, c]);
      return { x, logabsdet: tf.zeros([b]) as tf.Tensor1D };
    });
  }

  /** A permutation: the tangent map is the inverse itself, the cotangent map its transpose, the forward. */
  linearizeInverse(y: tf.Tensor): Linearization {
    assertSinglePoint(y, 'SqueezeTransform.linearizeInverse');
    return linearizeInScope(() =>
      linearMapLinearization(
        this.inverse(y).x,
        y.shape.slice(1),
        (t) => this.inverse(t).x,
        (g) => this.forward(g).y,
      ),
    );
  }
}
