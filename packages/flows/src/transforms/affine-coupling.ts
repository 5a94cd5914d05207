import * as tf from '@tensorflow/tfjs';
import { affineCouplingForward } from '@dgm-ood/engine';
import { ChannelCoupling, type CouplingOptions } from './coupling.js';
import { sumExceptBatch } from './logit.js';

/**
 * Affine coupling (nflows AffineCouplingTransform): net output channels [0, n) are the shift t and [n, 2n) the
 * raw scale a; scale = sigmoid(a + 2) + 1e-3; y = x·scale + t; log|det| = Σ ln scale.
 */
export class AffineCoupling extends ChannelCoupling {
  readonly kind = 'affine-coupling';

  constructor(opts: CouplingOptions) {
    super(opts, 2);
  }

  protected parameterLayout() {
    const n = this.numTransformed;
    return {
      period: 2 * n,
      slots: [
        { offset: 0, size: n },
        { offset: n, size: n },
      ],
    };
  }

  protected elementwise(inputs: tf.Tensor4D, params: tf.Tensor4D[], inverse: boolean) {
    const [shift, raw] = params as [tf.Tensor4D, tf.Tensor4D];
    if (!inverse) {
      // The engine's op: fused kernels on webgpu, the same tfjs ops as below elsewhere.
      const { y, logabsdet } = affineCouplingForward(inputs, shift, raw);
      return { outputs: y as tf.Tensor4D, logabsdet };
    }
    const scale = tf.add(tf.sigmoid(tf.add(raw, 2)), 1e-3);
    return { outputs: tf.div(tf.sub(inputs, shift), scale) as tf.Tensor4D, logabsdet: tf.neg(sumExceptBatch(tf.log(scale))) };
  }
}
