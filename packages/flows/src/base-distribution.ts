import * as tf from '@tensorflow/tfjs';
import { standardNormalLogProb } from '@dgm-ood/engine';


/** Standard normal on R^D (nflows StandardNormal): log N(z) = −½‖z‖² − (D/2)·ln 2π. */
export class StandardNormal {
  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`StandardNormal: dim must be a positive integer, got ${dim}`);
  }

  logProb(z: tf.Tensor): tf.Tensor1D {
    if (z.rank !== 2 || z.shape[1] !== this.dim) throw new Error(`StandardNormal(${this.dim}).logProb: expected [B, ${this.dim}], got [${z.shape.join(', ')}]`);
    return standardNormalLogProb(z); // −½ Σ z² − ½ d ln 2π (one fused dispatch on webgpu)
  }

  /** n samples [n, D]; seeded draws are reproducible across backends (tfjs draws them in JS). */
  sample(n: number, seed?: number): tf.Tensor2D {
    return tf.randomNormal([n, this.dim], 0, 1, 'float32', seed);
  }
}
