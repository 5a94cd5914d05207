import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { chwOf, flattenChw, unflattenChw } from '../layout.js';
import { makeLinearization } from '../linearization.js';
import type { ChwShape, FlowContext, Linearization } from '../types.js';
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

  /**
   * The inverse linearised at one latent z [1, D]: value x [1,H,W,C], tangents [R, D] → [R,H,W,C], cotangents
   * [R,H,W,C] → [R, D]; and the tangents of all D unit vectors at once (the Jacobian's columns).
   */
  linearizeInverse(z: tf.Tensor): MultiscaleLinearization {
    if (z.rank !== 2 || z.shape[0] !== 1 || z.shape[1] !== this.latentSize) {
      throw new Error(`MultiscaleTransform.linearizeInverse: expected one latent [1, ${this.latentSize}], got [${z.shape.join(', ')}]`);
    }
    const sizes = this.levelInfo.map((l) => l.emittedShape[0] * l.emittedShape[1] * l.emittedShape[2]);
    const last = this.levels.length - 1;
    // stages[i] linearizes level i's inverse, at the concatenation of its emitted latent and level i+1's output.
    const stages: Linearization[] = new Array(this.levels.length);
    try {
      const chunks = tf.split(z, sizes, 1);
      try {
        let hidden: tf.Tensor | null = null;
        for (let i = last; i >= 0; i--) {
          const levelOut = tf.tidy(() => {
            const emitted = unflattenChw(chunks[i]!, this.levelInfo[i]!.emittedShape);
            return hidden === null ? emitted : tf.concat([emitted, hidden], 3);
          });
          try {
            stages[i] = this.levels[i]!.linearizeInverse(levelOut);
          } finally {
            levelOut.dispose();
          }
          hidden = stages[i]!.value;
        }
      } finally {
        tf.dispose(chunks);
      }
    } catch (error) {
      stages.forEach((s) => s?.dispose());
      throw error;
    }
    const info = this.levelInfo;
    const base = makeLinearization({
      value: stages[0]!.value,
      ownsValue: false,
      children: stages,
      inputShape: [this.latentSize],
      jvp: (t) => {
        const r = t.shape[0]!;
        const parts = tf.split(t, sizes, 1);
        let hidden: tf.Tensor | null = null;
        for (let i = last; i >= 0; i--) {
          const emitted = unflattenChw(parts[i]!, info[i]!.emittedShape);
          hidden = stages[i]!.jvp(hidden === null ? emitted : tf.concat([emitted, hidden], 3));
        }
        return tf.reshape(hidden!, [r, ...stages[0]!.value.shape.slice(1)]);
      },
      vjp: (g) => {
        const r = g.shape[0]!;
        const parts: tf.Tensor2D[] = [];
        let cot = g;
        for (let i = 0; i <= last; i++) {
          const out = stages[i]!.vjp(cot);
          const l = info[i]!;
          if (l.hiddenShape === null) {
            parts.push(flattenChw(out));
          } else {
            const [oh, ow] = [l.outputShape[1], l.outputShape[2]];
            parts.push(flattenChw(tf.slice(out, [0, 0, 0, 0], [r, oh, ow, l.emittedShape[0]])));
            cot = tf.slice(out, [0, 0, 0, l.emittedShape[0]], [r, oh, ow, l.hiddenShape[0]]);
          }
        }
        return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
      },
    });
    return {
      value: base.value,
      jvp: (t) => base.jvp(t),
      vjp: (g) => base.vjp(g),
      dispose: () => base.dispose(),
      jvpIdentity: () =>
        tf.tidy(() => {
          // Level i's output depends only on the latents of levels ≥ i: its tangent batch holds the unit vectors
          // of its own latents (on its emitted channels) followed by the columns carried up from level i+1.
          let columns: tf.Tensor | null = null;
          for (let i = last; i >= 0; i--) {
            const [ec, eh, ew] = info[i]!.emittedShape;
            const eye = unflattenChw(tf.eye(sizes[i]!), info[i]!.emittedShape);
            let levelOut: tf.Tensor = eye;
            if (columns !== null) {
              const carried = columns.shape[0]!;
              const hc = columns.shape[3]!;
              levelOut = tf.concat(
                [tf.concat([eye, tf.zeros([sizes[i]!, eh, ew, hc])], 3), tf.concat([tf.zeros([carried, eh, ew, ec]), columns], 3)],
                0,
              );
            }
            columns = stages[i]!.jvp(levelOut);
          }
          return columns!;
        }),
    };
  }
}

/** The multiscale inverse linearised at one latent, with the structured Jacobian of all latent unit vectors. */
export interface MultiscaleLinearization extends Linearization {
  /** jvp of the D×D identity, [D, H, W, C] with row j = ∂x/∂z_j, cheaper than jvp(eye): level i carries only the columns of levels ≥ i. */
  jvpIdentity(): tf.Tensor;
}
