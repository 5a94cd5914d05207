import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import type { ChwShape, FlowContext, ForwardResult, InverseResult, Transform } from '../types.js';

type ModuleTransform = Module & Transform;

/** Transforms applied in order; log-dets add up (nflows CompositeTransform). */
export class CompositeTransform extends Module implements Transform {
  readonly kind = 'composite';
  readonly transforms: readonly ModuleTransform[];

  constructor(transforms: ModuleTransform[]) {
    super();
    this.transforms = transforms;
    transforms.forEach((t, i) => this.addChild(String(i), t));
  }

  outputShape(input: ChwShape): ChwShape {
    return this.transforms.reduce<ChwShape>((s, t) => t.outputShape(s), input);
  }

  forward(x: tf.Tensor, ctx?: FlowContext): ForwardResult {
    return tf.tidy(() => {
      let y = x;
      let total: tf.Tensor1D = tf.zeros([x.shape[0]!]);
      for (const t of this.transforms) {
        const r = t.forward(y, ctx);
        y = r.y;
        total = tf.add(total, r.logabsdet);
      }
      return { y, logabsdet: total };
    });
  }

  inverse(y: tf.Tensor, ctx?: FlowContext): InverseResult {
    return tf.tidy(() => {
      let x = y;
      let total: tf.Tensor1D = tf.zeros([y.shape[0]!]);
      for (let i = this.transforms.length - 1; i >= 0; i--) {
        const r = this.transforms[i]!.inverse(x, ctx);
        x = r.x;
        total = tf.add(total, r.logabsdet);
      }
      return { x, logabsdet: total };
    });
  }
}
