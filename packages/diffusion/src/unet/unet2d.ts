import * as tf from '@tensorflow/tfjs';
import { matMulBias } from '@dgm-ood/engine';
import { Module } from '@dgm-ood/engine/module';
import { deriveSeed, Rng } from '@dgm-ood/engine/rng';
import { invalidArgument } from '../errors.js';
import type { ScoreNetwork } from '../score-network.js';
import { DownBlock, MidBlock, UpBlock, type BlockSettings, type PassContext } from './blocks.js';
import { GroupNorm } from './group-norm.js';
import { Conv2d, silu } from './layers.js';
import { unetPlan } from './plan.js';
import type { ResnetBlock2D } from './resnet-block.js';
import type { UNetSpec } from './spec.js';
import { sinusoidalEmbedding, TimestepEmbedding } from './time-embedding.js';
import { validateUNetSpec } from './validate-spec.js';

export interface UNet2DOptions {
  /** Seed of the initial weights (PyTorch's default init, drawn from the engine's Rng). */
  seed?: number;
}

/**
 * diffusers' UNet2DModel (positional time embedding, conv down/upsampling, 'default' time conditioning) on
 * NHWC tensors. Parameters carry diffusers' state-dict names (`down_blocks.0.resnets.1.conv1.weight`, ...) in
 * tfjs layouts: conv weights HWIO, linear weights [in, out] (see loadTorchStateDict for the mapping).
 * apply(x, t) returns the raw network output, read as σ(t)·∇log p_t by the losses.
 */
export class UNet2D extends Module implements ScoreNetwork {
  readonly spec: UNetSpec;
  private readonly convIn: Conv2d;
  private readonly timeEmbedding: TimestepEmbedding;
  private readonly downBlocks: DownBlock[];
  private readonly midBlock: MidBlock;
  private readonly upBlocks: UpBlock[];
  private readonly convNormOut: GroupNorm;
  private readonly convOut: Conv2d;
  /** Every resnet in forward order: their time projections run as one product. */
  private readonly resnetsInOrder: ResnetBlock2D[];

  constructor(spec: UNetSpec, options: UNet2DOptions = {}) {
    super();
    validateUNetSpec(spec);
    this.spec = structuredClone(spec);
    const rng = new Rng(options.seed ?? 0);
    const plan = unetPlan(spec);
    const s: BlockSettings = { timeEmbedDim: plan.timeEmbedDim, groups: spec.normNumGroups, eps: spec.normEps, headDim: spec.attentionHeadDim };
    const c0 = plan.timeProjDim;
    this.convIn = this.addChild('conv_in', new Conv2d(spec.inChannels, c0, 3, rng));
    this.timeEmbedding = this.addChild('time_embedding', new TimestepEmbedding(c0, plan.timeEmbedDim, rng));
    this.downBlocks = plan.down.map((p, i) => this.addChild(`down_blocks.${i}`, new DownBlock(p, s, rng)));
    this.midBlock = this.addChild('mid_block', new MidBlock(plan.mid, s, rng));
    this.upBlocks = plan.up.map((p, i) => this.addChild(`up_blocks.${i}`, new UpBlock(p, s, rng)));
    this.convNormOut = this.addChild('conv_norm_out', new GroupNorm(spec.normNumGroups, c0, spec.normEps));
    this.convOut = this.addChild('conv_out', new Conv2d(c0, spec.outChannels, 3, rng));
    this.resnetsInOrder = [...this.downBlocks, this.midBlock, ...this.upBlocks].flatMap((b) => b.resnets);
  }

  numParameters(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }

  apply(x: tf.Tensor4D, t: tf.Tensor1D, options: { training?: boolean; seed?: number } = {}): tf.Tensor4D {
    this.checkInputs(x, t);
    return tf.tidy(() => {
      const pass = this.passContext(this.timeEmbedding.apply(sinusoidalEmbedding(t, this.convIn.outChannels, this.spec.flipSinToCos, this.spec.freqShift)), options);
      let h = this.convIn.apply(x);
      const skips: tf.Tensor4D[] = [h];
      for (const block of this.downBlocks) h = block.apply(h, pass, skips);
      h = this.midBlock.apply(h, pass);
      for (const block of this.upBlocks) h = block.apply(h, pass, skips);
      return this.convOut.apply(this.convNormOut.applySilu(h));
    });
  }

  /** All resnets' time_emb_proj(SiLU(temb)) as one [B, T]·[T, Σout] product, handed out in forward order. */
  private passContext(temb: tf.Tensor2D, options: { training?: boolean; seed?: number }): PassContext {
    const projections = this.resnetsInOrder.map((r) => r.timeEmbProj);
    const weight = tf.concat(projections.map((p) => p.weight), 1) as tf.Tensor2D;
    const bias = tf.concat(projections.map((p) => p.bias), 0) as tf.Tensor1D;
    const all = matMulBias(silu(temb) as tf.Tensor2D, weight, bias);
    const parts = tf.split(all, projections.map((p) => p.outFeatures), 1) as tf.Tensor2D[];
    let next = 0;
    const rate = options.training ? this.spec.dropout : 0;
    let dropout: PassContext['dropout'] = (v) => v;
    if (rate > 0) {
      if (options.seed === undefined) throw invalidArgument('UNet2D.apply', `training with dropout ${rate} needs options.seed (the dropout masks derive from it)`);
      const base = options.seed;
      let draws = 0;
      dropout = (v) => tf.dropout(v, rate, undefined, deriveSeed(base, draws++)) as tf.Tensor4D;
    }
    return {
      nextTimeProjection: () => {
        const p = parts[next++];
        if (!p) throw new Error('UNet2D: more resnets ran than were planned');
        return p;
      },
      dropout,
    };
  }

  private checkInputs(x: tf.Tensor, t: tf.Tensor): void {
    const factor = 2 ** (this.spec.blockOutChannels.length - 1);
    const [b, h, w, c] = x.shape;
    if (x.rank !== 4 || c !== this.spec.inChannels) {
      throw invalidArgument('UNet2D.apply', `x must be NHWC [B, H, W, ${this.spec.inChannels}], got [${x.shape.join(', ')}]`);
    }
    if (h! % factor !== 0 || w! % factor !== 0) {
      throw invalidArgument('UNet2D.apply', `image sides must be divisible by ${factor} (${this.spec.blockOutChannels.length} levels), got ${h}×${w}`);
    }
    if (t.rank !== 1 || t.shape[0] !== b) throw invalidArgument('UNet2D.apply', `t must have shape [${b}] (one time per image), got [${t.shape.join(', ')}]`);
  }
}
