import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { composeLinearizations, makeLinearization } from '../linearization.js';
import type { ChwShape, FlowContext, ForwardResult, InverseResult, Linearization, Transform } from '../types.js';

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

  /** The inverse applies the transforms last to first; so does its linearization, each at its own input. */
  linearizeInverse(y: tf.Tensor): Linearization {
    const stages: Linearization[] = [];
    try {
      let x = y;
      for (let i = this.transforms.length - 1; i >= 0; i--) {
        const stage = this.transforms[i]!.linearizeInverse(x);
        stages.push(stage);
        x = stage.value;
      }
    } catch (error) {
      stages.forEach((s) => s.dispose());
      throw error;
    }
    if (stages.length === 0) return identityLinearization(y);
    return composeLinearizations(stages, y.shape.slice(1));
  }
}

function identityLinearization(y: tf.Tensor): Linearization {
  return makeLinearization({ value: tf.clone(y), inputShape: y.shape.slice(1), jvp: (t) => tf.clone(t), vjp: (g) => tf.clone(g) });
}
