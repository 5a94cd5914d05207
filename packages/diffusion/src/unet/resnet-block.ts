import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@dgm-ood/engine/rng';
import { Module } from '@dgm-ood/engine/module';
import { GroupNorm } from './group-norm.js';
import { Conv2d, Linear } from './layers.js';

/** Dropout of one forward pass (identity outside training). */
export type DropoutFn = (x: tf.Tensor4D) => tf.Tensor4D;

export interface ResnetBlockOptions {
  inChannels: number;
  outChannels: number;
  timeEmbedDim: number;
  groups: number;
  eps: number;
}

/**
 * diffusers' ResnetBlock2D with its UNet2DModel settings (time_embedding_norm 'default', output_scale_factor 1,
 * 1×1 conv_shortcut with bias when the width changes):
 *   h = conv1(SiLU(norm1(x))) + time_emb_proj(SiLU(temb)) → conv2(dropout(SiLU(norm2(h)))); out = shortcut(x) + h.
 * The time projection itself is computed by the U-Net for all blocks in one product (UNet2D.apply), so apply()
 * receives this block's [B, out] slice of it.
 */
export class ResnetBlock2D extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly timeEmbProj: Linear;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly convShortcut: Conv2d | null;

  constructor(readonly options: ResnetBlockOptions, rng: Rng) {
    super();
    const { inChannels, outChannels, timeEmbedDim, groups, eps } = options;
    this.norm1 = this.addChild('norm1', new GroupNorm(groups, inChannels, eps));
    this.conv1 = this.addChild('conv1', new Conv2d(inChannels, outChannels, 3, rng));
    this.timeEmbProj = this.addChild('time_emb_proj', new Linear(timeEmbedDim, outChannels, rng));
    this.norm2 = this.addChild('norm2', new GroupNorm(groups, outChannels, eps));
    this.conv2 = this.addChild('conv2', new Conv2d(outChannels, outChannels, 3, rng));
    this.convShortcut = inChannels === outChannels ? null : this.addChild('conv_shortcut', new Conv2d(inChannels, outChannels, 1, rng));
  }

  apply(x: tf.Tensor4D, timeProjection: tf.Tensor2D, dropout: DropoutFn): tf.Tensor4D {
    const h = this.conv1.apply(this.norm1.applySilu(x));
    // norm2 takes conv1's output plus the time projection (per sample and channel) without the sum being written out on webgpu.
    const out = this.conv2.apply(dropout(this.norm2.applySiluWithOffset(h, timeProjection)));
    return tf.add(this.convShortcut ? this.convShortcut.apply(x) : x, out);
  }
}
