import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@dgm-ood/engine/rng';
import { Module } from '@dgm-ood/engine/module';
import { ownWebGpuKernelsActive } from '@dgm-ood/engine';
import { SpatialAttention } from './attention.js';
import { Conv2d, type CustomGradFunc } from './layers.js';
import type { DownBlockPlan, ResnetPlan, UNetPlan, UpBlockPlan } from './plan.js';
import { ResnetBlock2D, type DropoutFn } from './resnet-block.js';
import { upsampleNearestConv } from './upsample.js';

/** What every block needs besides its plan. */
export interface BlockSettings {
  timeEmbedDim: number;
  groups: number;
  eps: number;
  headDim: number;
}

/** The per-pass inputs shared by all blocks: the time projections (consumed in resnet order) and the dropout. */
export interface PassContext {
  nextTimeProjection: () => tf.Tensor2D;
  dropout: DropoutFn;
}

/**
 * tf.concat on the channel axis whose gradient is two slices: tfjs differentiates concat with split, whose wasm
 * kernel (SplitV) is several times slower than the engine's Slice on a channel split. On webgpu with the engine's
 * kernels the split is theirs, one dispatch for both parts.
 */
export function concatChannels(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  const ca = a.shape[3];
  const cb = b.shape[3];
  const f = tf.customGrad(((x: tf.Tensor4D, y: tf.Tensor4D) => ({
    value: tf.concat([x, y], 3),
    gradFunc: (dy: tf.Tensor4D) => {
      if (ownWebGpuKernelsActive()) return tf.split(dy, [ca, cb], 3);
      const [n, h, w] = dy.shape;
      return [tf.slice(dy, [0, 0, 0, 0], [n, h, w, ca]), tf.slice(dy, [0, 0, 0, ca], [n, h, w, cb])];
    },
  })) as unknown as CustomGradFunc) as unknown as (x: tf.Tensor4D, y: tf.Tensor4D) => tf.Tensor4D;
  return f(a, b);
}

/** Resnets (each optionally followed by attention) registered under diffusers' names `resnets.j` / `attentions.j`. */
abstract class ResnetStack extends Module {
  readonly resnets: ResnetBlock2D[] = [];
  readonly attentions: Array<SpatialAttention | null> = [];

  protected addResnets(plans: ResnetPlan[], s: BlockSettings, rng: Rng): void {
    plans.forEach((p, j) => {
      const options = { inChannels: p.inChannels, outChannels: p.outChannels, timeEmbedDim: s.timeEmbedDim, groups: s.groups, eps: s.eps };
      this.resnets.push(this.addChild(`resnets.${j}`, new ResnetBlock2D(options, rng)));
      this.attentions.push(p.attention ? this.addChild(`attentions.${j}`, new SpatialAttention(p.outChannels, s.headDim, s.groups, s.eps, rng)) : null);
    });
  }

  protected layer(j: number, x: tf.Tensor4D, pass: PassContext): tf.Tensor4D {
    const h = this.resnets[j]!.apply(x, pass.nextTimeProjection(), pass.dropout);
    const attention = this.attentions[j];
    return attention ? attention.apply(h) : h;
  }
}

/** DownBlock2D / AttnDownBlock2D: pushes every layer's output, and the downsampled one, onto `skips`. */
export class DownBlock extends ResnetStack {
  readonly downsampler: Conv2d | null;

  constructor(plan: DownBlockPlan, s: BlockSettings, rng: Rng) {
    super();
    this.addResnets(plan.resnets, s, rng);
    const d = plan.downsample;
    this.downsampler = d ? this.addChild('downsamplers.0.conv', new Conv2d(d.channels, d.channels, 3, rng, 2)) : null;
  }

  apply(x: tf.Tensor4D, pass: PassContext, skips: tf.Tensor4D[]): tf.Tensor4D {
    let h = x;
    for (let j = 0; j < this.resnets.length; j++) {
      h = this.layer(j, h, pass);
      skips.push(h);
    }
    if (this.downsampler) {
      h = this.downsampler.apply(h);
      skips.push(h);
    }
    return h;
  }
}

/** UNetMidBlock2D: resnets.0 → attentions.0 (optional) → resnets.1. */
export class MidBlock extends ResnetStack {
  constructor(plan: UNetPlan['mid'], s: BlockSettings, rng: Rng) {
    super();
    const p = { inChannels: plan.channels, outChannels: plan.channels, resolution: plan.resolution };
    this.addResnets([{ ...p, attention: plan.attention }, { ...p, attention: false }], s, rng);
  }

  apply(x: tf.Tensor4D, pass: PassContext): tf.Tensor4D {
    return this.layer(1, this.layer(0, x, pass), pass);
  }
}

/** UpBlock2D / AttnUpBlock2D: each layer pops a skip and concatenates it after the hidden channels. */
export class UpBlock extends ResnetStack {
  readonly upsampler: Conv2d | null;

  constructor(plan: UpBlockPlan, s: BlockSettings, rng: Rng) {
    super();
    this.addResnets(plan.resnets, s, rng);
    const u = plan.upsample;
    this.upsampler = u ? this.addChild('upsamplers.0.conv', new Conv2d(u.channels, u.channels, 3, rng)) : null;
  }

  apply(x: tf.Tensor4D, pass: PassContext, skips: tf.Tensor4D[]): tf.Tensor4D {
    let h = x;
    for (let j = 0; j < this.resnets.length; j++) {
      const skip = skips.pop();
      if (!skip) throw new Error('UpBlock: the skip stack ran out (the plan and the blocks disagree)');
      h = this.layer(j, concatChannels(h, skip), pass);
    }
    return this.upsampler ? upsampleNearestConv(h, this.upsampler) : h;
  }
}
