import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@dgm-ood/engine/rng';
import { Module } from '@dgm-ood/engine/module';
import { conv2dBias, matMulBias } from '@dgm-ood/engine';

/** PyTorch's default init for Linear and Conv2d weights and biases: U(±1/√fan_in). */
export function torchDefaultInit(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillUniform(new Float32Array(size), -bound, bound), shape);
}

export type { CustomGradFunc } from '@dgm-ood/engine';

/** SiLU (x·σ(x), the engine's, differentiable twice); after a GroupNorm it is fused into the norm (GroupNorm.applySilu). */
export { silu } from '@dgm-ood/engine';

/**
 * torch.nn.Linear with the weight stored [in, out] (tfjs's matMul layout; torch's is [out, in], so an imported
 * weight is transposed). Applies to [N, in] rows.
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng) {
    super();
    this.weight = this.addParameter('weight', torchDefaultInit(rng, [inFeatures, outFeatures], inFeatures));
    this.bias = this.addParameter('bias', torchDefaultInit(rng, [outFeatures], inFeatures));
  }

  /** On webgpu with the engine's kernels the bias is added in the product's own dispatch (matMulBias). */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return matMulBias(x, this.weight as unknown as tf.Tensor2D, this.bias as unknown as tf.Tensor1D);
  }
}

/**
 * torch.nn.Conv2d (bias, padding k//2, stride 1 or 2) with the weight stored HWIO [k, k, in, out] (torch's is
 * OIHW [out, in, k, k]; an imported weight is transposed [2, 3, 1, 0]).
 * 1×1 kernels run as a matMul on [B·H·W, in]. Stride 2 pads one pixel on every side explicitly, then convolves
 * 'valid': torch's padding=1; tfjs's 'same' would pad bottom/right only for stride 2 on even sides.
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: 1 | 3, rng: Rng, readonly stride: 1 | 2 = 1) {
    super();
    const fanIn = inChannels * kernel * kernel;
    this.weight = this.addParameter('weight', torchDefaultInit(rng, [kernel, kernel, inChannels, outChannels], fanIn));
    this.bias = this.addParameter('bias', torchDefaultInit(rng, [outChannels], fanIn));
  }

  /** The bias is added in the convolution's (or product's) own dispatch on webgpu with the engine's kernels. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const bias = this.bias as unknown as tf.Tensor1D;
    if (this.kernel === 1) {
      const rows = tf.reshape(x, [b * h * w, this.inChannels]) as tf.Tensor2D;
      const y = matMulBias(rows, tf.reshape(this.weight, [this.inChannels, this.outChannels]), bias);
      return tf.reshape(y, [b, h, w, this.outChannels]);
    }
    const w4 = this.weight as unknown as tf.Tensor4D;
    return this.stride === 1 ? conv2dBias(x, w4, bias, 'same') : conv2dBias(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), w4, bias, 'valid', 'linear', 2);
  }
}
