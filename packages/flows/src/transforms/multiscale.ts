import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { chwOf, flattenChw, unflattenChw } from '../layout.js';
import type { ChwShape, FlowContext } from '../types.js';
import type { CompositeTransform } from './composite.js';

export interface MultiscaleLevelInfo {
  inputShape: ChwShape;
  /** Shape of the level's transform output before the split. */
  outputShape: ChwShape;
  /** Shape of the half emitted to the latent (the whole output for the last level). */
  emittedShape: ChwShape;
  /** Shape of the half passed on to the next level (null for the last level). */
  hiddenShape: ChwShape | null;
}

/**
 * Multiscale composite (nflows MultiscaleCompositeTransform, split along channels): after every level except
 * the last, the level output is cut into two channel halves; the first ⌈C/2⌉ channels are emitted to the latent,
 * the rest continue. The latent is the concatenation, in level order, of the emitted tensors flattened in
 * C,H,W order: shape [B, D].
 */
export class MultiscaleTransform extends Module {
  readonly kind = 'multiscale';
  readonly levels: readonly CompositeTransform[];
  readonly levelInfo: readonly MultiscaleLevelInfo[];
  readonly inputShape: ChwShape;
  readonly latentSize: number;

  constructor(levels: CompositeTransform[], inputShape: ChwShape) {
    super();
    if (levels.length === 0) throw new Error('MultiscaleTransform: needs at least one level');
    this.levels = levels;
    this.inputShape = inputShape;
    levels.forEach((l, i) => this.addChild(String(i), l));
    const info: MultiscaleLevelInfo[] = [];
    let shape = inputShape;
    levels.forEach((level, i) => {
      const out = level.outputShape(shape);
      const last = i === levels.length - 1;
      if (!last && out[0] < 2) throw new Error(`MultiscaleTransform: level ${i} outputs ${out[0]} channel(s); a split needs at least 2`);
      const emittedC = last ? out[0] : Math.ceil(out[0] / 2);
      const emittedShape: ChwShape = [emittedC, out[1], out[2]];
      const hiddenShape: ChwShape | null = last ? null : [out[0] - emittedC, out[1], out[2]];
      info.push({ inputShape: shape, outputShape: out, emittedShape, hiddenShape });
      if (hiddenShape) shape = hiddenShape;
    });
    this.levelInfo = info;
    this.latentSize = info.reduce((s, l) => s + l.emittedShape[0] * l.emittedShape[1] * l.emittedShape[2], 0);
  }

  /** NHWC [B,H,W,C] → latent [B, D]. */
  forward(x: tf.Tensor, ctx?: FlowContext): { z: tf.Tensor2D; logabsdet: tf.Tensor1D } {
    const [c, h, w] = chwOf(x);
    const [ec, eh, ew] = this.inputShape;
    if (c !== ec || h !== eh || w !== ew) {
      throw new Error(`MultiscaleTransform: expected input (C,H,W) = (${ec},${eh},${ew}), got (${c},${h},${w})`);
    }
    return tf.tidy(() => {
      const b = x.shape[0]!;
      let hidden = x;
      let total: tf.Tensor1D = tf.zeros([b]);
      const parts: tf.Tensor2D[] = [];
      this.levels.forEach((level, i) => {
        const { y, logabsdet } = level.forward(hidden, ctx);
        total = tf.add(total, logabsdet);
        const info = this.levelInfo[i]!;
        if (info.hiddenShape === null) {
          parts.push(flattenChw(y));
        } else {
          const [oh, ow] = [info.outputShape[1], info.outputShape[2]];
          const emittedC = info.emittedShape[0];
          parts.push(flattenChw(tf.slice(y, [0, 0, 0, 0], [b, oh, ow, emittedC])));
          hidden = tf.slice(y, [0, 0, 0, emittedC], [b, oh, ow, info.hiddenShape[0]]);
        }
      });
      return { z: (parts.length === 1 ? parts[0]! : tf.concat(parts, 1)) as tf.Tensor2D, logabsdet: total };
    });
  }

  /** Latent [B, D] → NHWC [B,H,W,C]. */
  inverse(z: tf.Tensor, ctx?: FlowContext): { x: tf.Tensor4D; logabsdet: tf.Tensor1D } {
    if (z.rank !== 2 || z.shape[1] !== this.latentSize) {
      throw new Error(`MultiscaleTransform.inverse: expected [B, ${this.latentSize}], got [${z.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const b = z.shape[0]!;
      const sizes = this.levelInfo.map((l) => l.emittedShape[0] * l.emittedShape[1] * l.emittedShape[2]);
      const chunks = tf.split(z, sizes, 1);
      let total: tf.Tensor1D = tf.zeros([b]);
      let hidden: tf.Tensor | null = null;
      for (let i = this.levels.length - 1; i >= 0; i--) {
        const info = this.levelInfo[i]!;
        const emitted = unflattenChw(chunks[i]!, info.emittedShape);
        const levelOut: tf.Tensor = hidden === null ? emitted : tf.concat([emitted, hidden], 3);
        const { x, logabsdet } = this.levels[i]!.inverse(levelOut, ctx);
        total = tf.add(total, logabsdet);
        hidden = x;
      }
      return { x: hidden as tf.Tensor4D, logabsdet: total };
    });
  }
}
