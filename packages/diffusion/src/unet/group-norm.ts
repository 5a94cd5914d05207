import * as tf from '@tensorflow/tfjs';
import { groupNorm, groupNormWithOffset } from '@dgm-ood/engine';
import { Module } from '@dgm-ood/engine/module';

/**
 * torch.nn.GroupNorm(groups, channels, eps, affine) on NHWC: statistics over (H, W, the channels of a group), biased
 * variance. The op is the engine's `groupNorm` (tfjs ops with the gradient written out; fused kernels on webgpu).
 */
export class GroupNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly groups: number, readonly channels: number, readonly eps: number) {
    super();
    if (channels % groups !== 0) throw new RangeError(`GroupNorm: ${groups} groups do not divide ${channels} channels`);
    this.weight = this.addParameter('weight', tf.ones([channels]));
    this.bias = this.addParameter('bias', tf.zeros([channels]));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return groupNorm(x, this.weight as unknown as tf.Tensor1D, this.bias as unknown as tf.Tensor1D, { groups: this.groups, eps: this.eps });
  }

  /** silu(GroupNorm(x)), one fused op on webgpu (the U-Net's norm → SiLU → conv pattern). */
  applySilu(x: tf.Tensor4D): tf.Tensor4D {
    return groupNorm(x, this.weight as unknown as tf.Tensor1D, this.bias as unknown as tf.Tensor1D, { groups: this.groups, eps: this.eps, activation: 'silu' });
  }

  /** silu(GroupNorm(x + offset)), offset [B, C] per sample and channel; on webgpu the sum is never formed (groupNormWithOffset). */
  applySiluWithOffset(x: tf.Tensor4D, offset: tf.Tensor2D): tf.Tensor4D {
    return groupNormWithOffset(x, offset, this.weight as unknown as tf.Tensor1D, this.bias as unknown as tf.Tensor1D, { groups: this.groups, eps: this.eps, activation: 'silu' });
  }
}
